#include "cell.hpp"

#include <algorithm>

#include <sstream>

#include "automl/error.hpp"

namespace rnn {

const std::vector<std::string>& activations() {
  static const std::vector<std::string> a = {"tanh", "relu", "sigmoid", "identity"};
  return a;
}

const std::vector<std::pair<std::string, std::string>>& named_cells() {
  // NAONet's PTB cell (reference train_final.sh).
  static const std::vector<std::pair<std::string, std::string>> cells = {
      {"naonet_ptb", "0 1 1 1 2 2 1 2 4 1 4 1 4 1 7 1 8 2 1 0 4 1"}};
  return cells;
}

std::string integer_form(const automl::Architecture& arch) {
  std::string out;
  for (int g : arch.genes) out += (out.empty() ? "" : " ") + std::to_string(g);
  return out;
}

std::string readable_form(const automl::Architecture& arch) {
  std::string out;
  for (int i = 0; i < kNodes; ++i)
    out += (i ? ", s" : "s") + std::to_string(i + 1) + " = " + activations().at(act_of(arch, i)) + "(s" +
           std::to_string(pred_of(arch, i)) + ")";
  return out;
}

namespace {

[[noreturn]] void fail(const std::string& text, const std::string& why) {
  throw automl::ConfigError("rnn_cell: cannot parse '" + text + "': " + why +
                            ". Expected 22 integers \"pred act\" per node (node i: pred in 0..i, act 0 tanh, "
                            "1 relu, 2 sigmoid, 3 identity), e.g. \"" + named_cells().front().second +
                            "\", the readable form \"s1 = relu(s0), s2 = ...\", or the name naonet_ptb");
}

automl::Architecture parse_readable(const std::string& text) {
  automl::Architecture arch;
  std::istringstream in(text);
  std::string item;
  int node = 0;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('='), open = item.find('('), close = item.find(')');
    if (eq == std::string::npos || open == std::string::npos || close == std::string::npos || open > close)
      fail(text, "node " + std::to_string(node + 1) + " is not 'sK = act(sJ)'");
    std::string lhs = item.substr(0, eq);
    lhs.erase(0, lhs.find_first_not_of(' '));
    lhs.erase(lhs.find_last_not_of(' ') + 1);
    if (lhs != "s" + std::to_string(node + 1))
      fail(text, "node " + std::to_string(node + 1) + " must define s" + std::to_string(node + 1) + ", found '" + lhs +
                     "'");
    std::string act = item.substr(eq + 1, open - eq - 1);
    act.erase(0, act.find_first_not_of(' '));
    act.erase(act.find_last_not_of(' ') + 1);
    int a = -1;
    for (std::size_t k = 0; k < activations().size(); ++k)
      if (activations()[k] == act) a = static_cast<int>(k);
    if (a < 0) fail(text, "unknown activation '" + act + "'");
    const std::string state = item.substr(open + 1, close - open - 1);
    if (state.size() < 2 || state[0] != 's' || state.find_first_not_of("0123456789", 1) != std::string::npos)
      fail(text, "'" + state + "' is not a state sJ");
    arch.genes.push_back(std::stoi(state.substr(1)));
    arch.genes.push_back(a);
    ++node;
  }
  return arch;
}

}  // namespace

automl::Architecture parse_cell(const std::string& text) {
  for (const auto& [name, form] : named_cells())
    if (text == name) return parse_cell(form);
  automl::Architecture arch;
  if (text.find('(') != std::string::npos) {
    arch = parse_readable(text);
  } else {
    std::istringstream in(text);
    std::string word;
    while (in >> word) {
      if (word.find_first_not_of("0123456789") != std::string::npos || word.size() > 3)
        fail(text, "'" + word + "' is not a small non-negative integer");
      arch.genes.push_back(std::stoi(word));
    }
  }
  if (arch.genes.size() != 2 * kNodes)
    fail(text, "found " + std::to_string(arch.genes.size()) + " numbers, expected 22");
  for (int i = 0; i < kNodes; ++i) {
    if (pred_of(arch, i) > i)
      fail(text, "node " + std::to_string(i + 1) + " takes state " + std::to_string(pred_of(arch, i)) +
                     ", but only states 0.." + std::to_string(i) + " exist before it");
    if (act_of(arch, i) > 3) fail(text, "node " + std::to_string(i + 1) + " has activation " +
                                            std::to_string(act_of(arch, i)) + ", expected 0..3");
  }
  return arch;
}

}  // namespace rnn
