// The NAS-Bench-201 cell (Dong & Yang, ICLR 2020): 4 nodes, every node j > 0
// fed by all earlier nodes through one of 5 operations, so 6 edges and
// 5^6 = 15,625 cells. Text form is the benchmark's official string.

#include <array>

#include "automl/plugin.hpp"
#include "network.hpp"

namespace {

using automl::Architecture;

// Official operation names, in the benchmark's index order.
const std::vector<std::string> kOps = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
// Edge e feeds node kTo[e] from node kFrom[e], in the string's order.
constexpr std::array<int, 6> kTo = {1, 2, 2, 3, 3, 3};
constexpr std::array<int, 6> kFrom = {0, 0, 1, 0, 1, 2};

int op_index(const std::string& name) {
  for (std::size_t i = 0; i < kOps.size(); ++i)
    if (kOps[i] == name) return static_cast<int>(i);
  return -1;
}

// Tokens: 0 start, op + 1 for each edge in gene order; vocabulary 6, length 6.
class Nb201Tokens final : public automl::TokenEncoding {
 public:
  int vocab_size() const override { return static_cast<int>(kOps.size()) + 1; }
  int length() const override { return static_cast<int>(kTo.size()); }
  std::pair<int, int> token_range(int) const override { return {1, static_cast<int>(kOps.size())}; }
  std::vector<int> encode(const Architecture& arch) const override {
    std::vector<int> tokens;
    for (int g : arch.genes) tokens.push_back(g + 1);
    return tokens;
  }
  Architecture decode(const std::vector<int>& tokens) const override {
    if (static_cast<int>(tokens.size()) != length())
      throw automl::Error("nasbench201: expected 6 tokens, found " + std::to_string(tokens.size()));
    Architecture arch;
    for (int t : tokens) {
      if (t < 1 || t > static_cast<int>(kOps.size()))
        throw automl::Error("nasbench201: token " + std::to_string(t) + " is outside [1, 5]");
      arch.genes.push_back(t - 1);
    }
    return arch;
  }
};

class Nasbench201 final : public automl::SearchSpace {
 public:
  struct Options {};
  static const automl::Schema<Options>& schema() {
    static const auto s = automl::Schema<Options>(
        "NAS-Bench-201 cell: 6 edges, each one of none, skip_connect, nor_conv_1x1, nor_conv_3x3, "
        "avg_pool_3x3 (15,625 cells). Text form |op~0|+|op~0|op~1|+|op~0|op~1|op~2|. No keys.");
    return s;
  }

  Nasbench201(const Options&, const automl::Context&) {
    for (std::size_t e = 0; e < kTo.size(); ++e)
      decisions_.push_back({"edge " + std::to_string(kFrom[e]) + "->" + std::to_string(kTo[e]), kOps});
  }

  const std::vector<automl::Decision>& decisions() const override { return decisions_; }
  const automl::TokenEncoding* tokens() const override { return &tokens_; }
  const automl::nn::NetworkBuilder* networks() const override { return &builder_; }

  std::string to_text(const Architecture& arch) const override {
    std::string text;
    for (std::size_t e = 0; e < kTo.size(); ++e) {
      if (e > 0 && kFrom[e] == 0) text += "+";
      text += "|" + kOps.at(arch.genes.at(e)) + "~" + std::to_string(kFrom[e]);
      if (e + 1 == kTo.size() || kFrom[e + 1] == 0) text += "|";
    }
    return text;
  }

  // The 4-node DAG: node 0 the cell's input, node 3 its output (the sum of
  // its incoming edges); `none` edges carry nothing and are left out.
  std::vector<automl::CellGraph> graphs(const Architecture& arch) const override {
    automl::CellGraph g;
    for (int n = 0; n < 4; ++n)
      g.nodes.push_back({std::to_string(n), n == 0 ? "input" : n == 3 ? "output" : "node " + std::to_string(n),
                         n == 0 ? automl::CellGraph::Role::input
                                : n == 3 ? automl::CellGraph::Role::output : automl::CellGraph::Role::node});
    for (std::size_t e = 0; e < kTo.size(); ++e)
      if (kOps.at(arch.genes.at(e)) != "none")
        g.edges.push_back({std::to_string(kFrom[e]), std::to_string(kTo[e]), kOps.at(arch.genes.at(e))});
    return {g};
  }

  Architecture parse(const std::string& text) const override {
    Architecture arch;
    std::size_t pos = 0;
    for (std::size_t e = 0; e < kTo.size(); ++e) {
      if (e > 0 && kFrom[e] == 0) expect(text, pos, "|+");
      expect(text, pos, "|");
      const auto tilde = text.find('~', pos);
      if (tilde == std::string::npos) fail(text, "'~' after the operation of edge " + std::to_string(e));
      const int op = op_index(text.substr(pos, tilde - pos));
      if (op < 0)
        fail(text, "an operation (" + join_ops() + ") at character " + std::to_string(pos + 1) + ", found '" +
                       text.substr(pos, tilde - pos) + "'");
      pos = tilde + 1;
      expect(text, pos, std::to_string(kFrom[e]));
      arch.genes.push_back(op);
    }
    expect(text, pos, "|");
    if (pos != text.size()) fail(text, "the end of the string after the 6th edge");
    return arch;
  }

 private:
  static std::string join_ops() {
    std::string out;
    for (const auto& op : kOps) out += (out.empty() ? "" : ", ") + op;
    return out;
  }
  [[noreturn]] static void fail(const std::string& text, const std::string& expected) {
    throw automl::ConfigError("nasbench201: cannot parse '" + text + "': expected " + expected +
                              "; the form is |op~0|+|op~0|op~1|+|op~0|op~1|op~2|");
  }
  static void expect(const std::string& text, std::size_t& pos, const std::string& literal) {
    if (text.compare(pos, literal.size(), literal) != 0)
      fail(text, "'" + literal + "' at character " + std::to_string(pos + 1));
    pos += literal.size();
  }

  std::vector<automl::Decision> decisions_;
  Nb201Tokens tokens_;
  nb201::NetworkBuilder builder_;
};

void register_components(automl::Registrar& r) { r.add<Nasbench201>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
