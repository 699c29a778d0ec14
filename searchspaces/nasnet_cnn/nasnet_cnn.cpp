// The NASNet CNN cell search space as NAO uses it (Luo et al. 2018; Zoph et
// al. 2018): a normal and a reduction cell of B nodes, each node two
// (input, operation) branches summed. Genes: 4 per node, normal cell first.
// Token encoding exactly as NAO's reference (branch length 2).

#include "automl/plugin.hpp"
#include "cell.hpp"
#include "network.hpp"

namespace {

using automl::Architecture;

// NAO's token layout: 0 start, node id + 1 (1..B+1), op + 7 (op tokens start
// at 7 whatever B; ids never reach 6 for B = 5, so no clash).
class NaoTokens final : public automl::TokenEncoding {
 public:
  NaoTokens(int nodes, int ops) : nodes_(nodes), ops_(ops) {}
  int vocab_size() const override { return kOpBase + ops_; }
  int length() const override { return 8 * nodes_; }
  std::pair<int, int> token_range(int position) const override {
    const int node = (position % (4 * nodes_)) / 4;
    return position % 2 == 0 ? std::pair{1, node + 2} : std::pair{kOpBase, kOpBase + ops_ - 1};
  }
  std::vector<int> encode(const Architecture& arch) const override {
    std::vector<int> tokens(arch.genes.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) tokens[i] = arch.genes[i] + (i % 2 == 0 ? 1 : kOpBase);
    return tokens;
  }
  Architecture decode(const std::vector<int>& tokens) const override {
    if (static_cast<int>(tokens.size()) != length())
      throw automl::Error("nasnet_cnn: expected " + std::to_string(length()) + " tokens, found " +
                          std::to_string(tokens.size()));
    Architecture arch;
    for (int p = 0; p < length(); ++p) {
      const auto [lo, hi] = token_range(p);
      if (tokens[p] < lo || tokens[p] > hi)
        throw automl::Error("nasnet_cnn: token " + std::to_string(tokens[p]) + " at position " + std::to_string(p) +
                            " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      arch.genes.push_back(tokens[p] - (p % 2 == 0 ? 1 : kOpBase));
    }
    return arch;
  }
  bool selects_state(int position) const override { return position % 2 == 0; }

  // NAO's augmentation: swap the two branches of node a in the normal cell and
  // node b in the reduction cell; variant a * B + b. Same network, other sequence.
  std::vector<Architecture> symmetric_variants(const Architecture& arch) const override {
    std::vector<Architecture> out;
    for (int a = 0; a < nodes_; ++a)
      for (int b = 0; b < nodes_; ++b) {
        Architecture v = arch;
        swap_branches(v, a);
        swap_branches(v, nodes_ + b);
        out.push_back(std::move(v));
      }
    return out;
  }

 private:
  static constexpr int kOpBase = 7;
  static void swap_branches(Architecture& a, int node) {
    std::swap(a.genes[4 * node], a.genes[4 * node + 2]);
    std::swap(a.genes[4 * node + 1], a.genes[4 * node + 3]);
  }
  int nodes_;
  int ops_;
};

struct KnownCell {
  const char* name;
  const char* op_set;
  const char* genes;
};

// Published cells (NAO reference, integer form). NAONet-A is given in the
// reference's 16-op ids; all its ops are NAONet ops (id - 5 here).
const KnownCell kKnown[] = {
    {"naonet_a", "naonet", "0 2 1 10 2 3 1 2 0 1 1 2 0 3 4 2 1 0 0 2 | 0 2 1 8 0 1 0 9 0 4 1 5 0 9 2 1 1 6 0 2"},
    {"naonet_b", "nao_ws", "0 1 0 2 0 1 2 2 1 3 0 2 4 0 1 3 2 1 0 3 | 1 1 1 0 2 1 2 4 1 0 2 3 3 1 2 2 0 2 0 2"},
};

class NasnetCnn final : public automl::SearchSpace {
 public:
  struct Options {
    int nodes = 5;
    std::string op_set = "nao_ws";
    std::vector<std::string> ops;
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "NASNet CNN cells as NAO searches them: a normal and a reduction cell of `nodes` nodes, each "
            "node two (input, op) branches summed; inputs are the two previous cells and earlier nodes. "
            "Text form 'normal: 0 sep_conv_3x3 + 1 identity, ... | reduce: ...'; also parses the "
            "integer form and the names naonet_a, naonet_b. NAO token encoding.")
            .field("nodes", &Options::nodes, "Nodes per cell (B)").range(1, 5)
            .field("op_set", &Options::op_set, "Operation set: NAO-WS's 5 ops or NAONet's 11 ops")
            .one_of({"nao_ws", "naonet", "custom"})
            .field("ops", &Options::ops, "With op_set = \"custom\": the operations, by name")
            .rule("ops",
                  [](const Options& o) -> std::string {
                    if (o.op_set != "custom")
                      return o.ops.empty() ? "" : "ops is only read with op_set = \"custom\"";
                    if (o.ops.empty()) return "op_set = \"custom\" needs a non-empty ops list";
                    const auto known = nasnet::known_ops();
                    for (const auto& op : o.ops)
                      if (std::find(known.begin(), known.end(), op) == known.end())
                        return "unknown operation '" + op + "'";
                    return "";
                  })
            .example("");
    return s;
  }

  NasnetCnn(const Options& o, const automl::Context&)
      : nodes_(o.nodes), op_set_(o.op_set), ops_(operations(o)), tokens_(o.nodes, static_cast<int>(ops_.size())),
        builder_(o.nodes, ops_) {
    for (int cell = 0; cell < 2; ++cell)
      for (int n = 0; n < nodes_; ++n) {
        const std::string prefix = std::string(cell == 0 ? "normal" : "reduce") + " node " + std::to_string(n);
        std::vector<std::string> inputs;
        for (int i = 0; i <= n + 1; ++i) inputs.push_back(i < 2 ? "input " + std::to_string(i) : "node " + std::to_string(i - 2));
        decisions_.push_back({prefix + " x input", inputs});
        decisions_.push_back({prefix + " x op", ops_});
        decisions_.push_back({prefix + " y input", inputs});
        decisions_.push_back({prefix + " y op", ops_});
      }
  }

  const std::vector<automl::Decision>& decisions() const override { return decisions_; }
  const automl::TokenEncoding* tokens() const override { return &tokens_; }
  const automl::nn::NetworkBuilder* networks() const override { return &builder_; }

  std::string to_text(const Architecture& arch) const override { return nasnet::to_text(arch.genes, nodes_, ops_); }

  // Each cell as DARTS draws it: the two previous cells' outputs, the B
  // nodes (each the sum of its two operations), and the concatenation of
  // the nodes no other node reads.
  std::vector<automl::CellGraph> graphs(const Architecture& arch) const override {
    std::vector<automl::CellGraph> cells;
    for (int cell = 0; cell < 2; ++cell) {
      automl::CellGraph g;
      g.title = cell == 0 ? "normal cell" : "reduction cell";
      // Labelled with the ids of the text form: inputs 0 and 1, node n is n + 2.
      g.nodes.push_back({"0", "0: c_{k-2}", automl::CellGraph::Role::input});
      g.nodes.push_back({"1", "1: c_{k-1}", automl::CellGraph::Role::input});
      std::vector<bool> used(static_cast<std::size_t>(nodes_) + 2, false);
      for (int n = 0; n < nodes_; ++n) {
        const std::string id = std::to_string(n + 2);
        g.nodes.push_back({id, id, automl::CellGraph::Role::node});
        for (int b = 0; b < 2; ++b) {
          const int gene = cell * 4 * nodes_ + 4 * n + 2 * b;
          const int input = arch.genes.at(static_cast<std::size_t>(gene));
          used[static_cast<std::size_t>(input)] = true;
          g.edges.push_back({std::to_string(input), id, ops_.at(static_cast<std::size_t>(arch.genes.at(static_cast<std::size_t>(gene) + 1)))});
        }
      }
      g.nodes.push_back({"out", "c_{k}", automl::CellGraph::Role::output});
      for (int id = 0; id < nodes_ + 2; ++id)
        if (!used[static_cast<std::size_t>(id)]) g.edges.push_back({std::to_string(id), "out", ""});
      cells.push_back(std::move(g));
    }
    return cells;
  }

  Architecture parse(const std::string& text) const override {
    for (const auto& known : kKnown) {
      if (text != known.name) continue;
      if (op_set_ != known.op_set || nodes_ != 5)
        throw automl::ConfigError(std::string("nasnet_cnn: ") + known.name + " is a 5-node cell over the '" +
                                  known.op_set + "' operations; set op_set = \"" + known.op_set + "\" and nodes = 5");
      return Architecture{nasnet::parse_text(known.genes, 5, ops_)};
    }
    Architecture arch{nasnet::parse_text(text, nodes_, ops_)};
    const std::string problem = invalid_reason(arch);
    if (!problem.empty()) throw automl::ConfigError("nasnet_cnn: '" + text + "' is not a valid cell pair: " + problem);
    return arch;
  }

  // Uniform per decision, in NAO's draw order (x_id, x_op, y_id, y_op per node):
  // every combination is valid, so no redraws.
  Architecture sample(automl::Random& rng) const override {
    Architecture a;
    for (const auto& d : decisions_) a.genes.push_back(static_cast<int>(rng.index(d.choices.size())));
    return a;
  }

 private:
  static std::vector<std::string> operations(const Options& o) {
    if (o.op_set == "nao_ws") return nasnet::nao_ws_ops();
    if (o.op_set == "naonet") return nasnet::naonet_ops();
    return o.ops;
  }

  int nodes_;
  std::string op_set_;
  std::vector<std::string> ops_;
  NaoTokens tokens_;
  nasnet::NetworkBuilder builder_;
  std::vector<automl::Decision> decisions_;
};

void register_components(automl::Registrar& r) { r.add<NasnetCnn>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
