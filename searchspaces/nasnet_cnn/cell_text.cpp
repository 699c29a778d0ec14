#include <algorithm>
#include <sstream>

#include "automl/error.hpp"
#include "cell.hpp"

namespace nasnet {

const std::vector<std::string>& nao_ws_ops() {
  static const std::vector<std::string> ops = {"sep_conv_3x3", "sep_conv_5x5", "avg_pool_3x3", "max_pool_3x3",
                                               "identity"};
  return ops;
}

const std::vector<std::string>& naonet_ops() {
  static const std::vector<std::string> ops = {"identity",    "conv_1x1",    "conv_3x3",    "conv_1x3_3x1",
                                               "conv_1x7_7x1", "max_pool_2x2", "max_pool_3x3", "max_pool_5x5",
                                               "avg_pool_2x2", "avg_pool_3x3", "avg_pool_5x5"};
  return ops;
}

std::vector<std::string> known_ops() {
  std::vector<std::string> all = nao_ws_ops();
  for (const auto& op : naonet_ops())
    if (std::find(all.begin(), all.end(), op) == all.end()) all.push_back(op);
  return all;
}

std::string to_text(const std::vector<int>& genes, int nodes, const std::vector<std::string>& ops) {
  std::string out;
  for (int cell = 0; cell < 2; ++cell) {
    out += cell == 0 ? "normal:" : " | reduce:";
    for (int n = 0; n < nodes; ++n) {
      const int* g = genes.data() + 4 * (cell * nodes + n);
      out += (n ? ", " : " ") + std::to_string(g[0]) + " " + ops.at(g[1]) + " + " + std::to_string(g[2]) + " " +
             ops.at(g[3]);
    }
  }
  return out;
}

namespace {

[[noreturn]] void fail(const std::string& text, const std::string& problem, int nodes) {
  throw automl::ConfigError("nasnet_cnn: cannot parse '" + text + "': " + problem + ". Expected \"normal: 0 op + 1 op, " +
                            "... | reduce: ...\" with " + std::to_string(nodes) + " nodes per cell, or " +
                            std::to_string(8 * nodes) + " integers");
}

int op_index(const std::string& name, const std::vector<std::string>& ops, const std::string& text, int nodes) {
  const auto it = std::find(ops.begin(), ops.end(), name);
  if (it == ops.end()) {
    std::string list;
    for (const auto& op : ops) list += (list.empty() ? "" : ", ") + op;
    fail(text, "'" + name + "' is not an operation of this space (" + list + ")", nodes);
  }
  return static_cast<int>(it - ops.begin());
}

std::vector<int> parse_integers(const std::string& text, int nodes) {
  std::istringstream in(text);
  std::vector<int> genes;
  std::string word;
  while (in >> word) {
    if (word == "|") continue;
    try {
      std::size_t used = 0;
      genes.push_back(std::stoi(word, &used));
      if (used != word.size()) throw std::invalid_argument(word);
    } catch (const std::exception&) {
      fail(text, "'" + word + "' is not an integer", nodes);
    }
  }
  if (static_cast<int>(genes.size()) != 8 * nodes)
    fail(text, std::to_string(genes.size()) + " integers", nodes);
  return genes;
}

std::vector<int> parse_cell(const std::string& body, int nodes, const std::vector<std::string>& ops,
                            const std::string& text) {
  std::vector<int> genes;
  std::istringstream nodes_in(body);
  std::string node;
  while (std::getline(nodes_in, node, ',')) {
    std::istringstream in(node);
    std::string x_id, x_op, plus, y_id, y_op, extra;
    if (!(in >> x_id >> x_op >> plus >> y_id >> y_op) || plus != "+" || (in >> extra))
      fail(text, "node '" + node + "' is not 'input op + input op'", nodes);
    for (const auto& [id, op] : {std::pair{x_id, x_op}, std::pair{y_id, y_op}}) {
      try {
        genes.push_back(std::stoi(id));
      } catch (const std::exception&) {
        fail(text, "input '" + id + "' is not an integer", nodes);
      }
      genes.push_back(op_index(op, ops, text, nodes));
    }
  }
  if (static_cast<int>(genes.size()) != 4 * nodes) fail(text, "a cell with " + std::to_string(genes.size() / 4) + " nodes", nodes);
  return genes;
}

}  // namespace

std::vector<int> parse_text(const std::string& text, int nodes, const std::vector<std::string>& ops) {
  const auto normal = text.find("normal:");
  if (normal == std::string::npos) return parse_integers(text, nodes);
  const auto reduce = text.find("| reduce:");
  if (reduce == std::string::npos) fail(text, "no '| reduce:' part", nodes);
  auto genes = parse_cell(text.substr(normal + 7, reduce - normal - 7), nodes, ops, text);
  const auto second = parse_cell(text.substr(reduce + 9), nodes, ops, text);
  genes.insert(genes.end(), second.begin(), second.end());
  return genes;
}

}  // namespace nasnet
