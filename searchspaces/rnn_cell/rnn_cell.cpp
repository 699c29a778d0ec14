// The recurrent cell of NAO's PTB search (NAO reference §1.4): s0 a highway
// state from the input and the previous hidden state, then 11 nodes, each
// one earlier state through one of tanh, relu, sigmoid, identity. Genes:
// "pred act" per node. Builds word-level language models around the cell
// (stand-alone and weight-sharing) for the language-model evaluators.

#include "automl/plugin.hpp"
#include "cell.hpp"
#include "model.hpp"

namespace {

using automl::Architecture;

// NAO's RNN tokens: 0 start, pred + 1 in [1, 11], act + 12 in [12, 15];
// vocabulary 16, 22 tokens. Node i's predecessor token lies in [1, i + 1].
class RnnTokens final : public automl::TokenEncoding {
 public:
  int vocab_size() const override { return kActBase + 4; }
  int length() const override { return 2 * rnn::kNodes; }
  std::pair<int, int> token_range(int position) const override {
    return position % 2 == 0 ? std::pair{1, position / 2 + 1} : std::pair{kActBase, kActBase + 3};
  }
  std::vector<int> encode(const Architecture& arch) const override {
    std::vector<int> tokens(arch.genes.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) tokens[i] = arch.genes[i] + (i % 2 == 0 ? 1 : kActBase);
    return tokens;
  }
  Architecture decode(const std::vector<int>& tokens) const override {
    if (static_cast<int>(tokens.size()) != length())
      throw automl::Error("rnn_cell: expected 22 tokens, found " + std::to_string(tokens.size()));
    Architecture arch;
    for (int p = 0; p < length(); ++p) {
      const auto [lo, hi] = token_range(p);
      if (tokens[p] < lo || tokens[p] > hi)
        throw automl::Error("rnn_cell: token " + std::to_string(tokens[p]) + " at position " + std::to_string(p) +
                            " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      arch.genes.push_back(tokens[p] - (p % 2 == 0 ? 1 : kActBase));
    }
    return arch;
  }
  bool selects_state(int position) const override { return position % 2 == 0; }
  // NAO-WS/rnn's controller: dot-product attention with a biased output
  // projection, predictor weights U(-0.04, 0.04) (its INITRANGE), one Adam
  // for the whole search.
  automl::ControllerReference controller_reference() const override { return {"dot", 0.04, true}; }

 private:
  static constexpr int kActBase = 12;
};

class RnnCell final : public automl::SearchSpace {
 public:
  struct Options {};
  static const automl::Schema<Options>& schema() {
    static const auto s = automl::Schema<Options>(
        "NAO's recurrent cell for language models (PTB): s0 = highway of input and previous state, then 11 "
        "nodes, each one earlier state through tanh, relu, sigmoid or identity with a highway update; the "
        "output averages the states. Text form 's1 = relu(s0), s2 = ...'; also parses the integer form "
        "(\"pred act\" per node) and the name naonet_ptb. NAO token encoding (vocabulary 16, 22 tokens). "
        "No keys.");
    return s;
  }

  RnnCell(const Options&, const automl::Context&) {
    for (int i = 0; i < rnn::kNodes; ++i) {
      std::vector<std::string> inputs;
      for (int p = 0; p <= i; ++p) inputs.push_back("s" + std::to_string(p));
      decisions_.push_back({"s" + std::to_string(i + 1) + " input", inputs});
      decisions_.push_back({"s" + std::to_string(i + 1) + " activation", rnn::activations()});
    }
  }

  const std::vector<automl::Decision>& decisions() const override { return decisions_; }
  const automl::TokenEncoding* tokens() const override { return &tokens_; }
  const automl::nn::LanguageModelBuilder* language_models() const override { return &builder_; }
  std::string to_text(const Architecture& arch) const override { return rnn::readable_form(arch); }
  Architecture parse(const std::string& text) const override { return rnn::parse_cell(text); }

  // As DARTS draws its recurrent cell: x_t and h_{t-1} make s0 (the
  // highway), each node applies its activation to its predecessor, and h_t
  // averages the states (s1 to s11 in the final model; the search's
  // supernet averages s0 too).
  std::vector<automl::CellGraph> graphs(const Architecture& arch) const override {
    automl::CellGraph g;
    g.nodes.push_back({"x", "x_{t}", automl::CellGraph::Role::input});
    g.nodes.push_back({"h", "h_{t-1}", automl::CellGraph::Role::input});
    for (int s = 0; s <= rnn::kNodes; ++s) g.nodes.push_back({std::to_string(s), "s" + std::to_string(s), automl::CellGraph::Role::node});
    g.nodes.push_back({"out", "h_{t} (mean)", automl::CellGraph::Role::output});
    g.edges.push_back({"x", "0", ""});
    g.edges.push_back({"h", "0", ""});
    for (int i = 0; i < rnn::kNodes; ++i)
      g.edges.push_back({std::to_string(rnn::pred_of(arch, i)), std::to_string(i + 1),
                         rnn::activations().at(static_cast<std::size_t>(rnn::act_of(arch, i)))});
    for (int s = 1; s <= rnn::kNodes; ++s) g.edges.push_back({std::to_string(s), "out", ""});
    return {g};
  }

  // Each decision uniform, in the reference's draw order (pred, act per
  // node): every combination is valid.
  Architecture sample(automl::Random& rng) const override {
    Architecture a;
    for (const auto& d : decisions_) a.genes.push_back(static_cast<int>(rng.index(d.choices.size())));
    return a;
  }

 private:
  std::vector<automl::Decision> decisions_;
  RnnTokens tokens_;
  rnn::LmBuilder builder_;
};

void register_components(automl::Registrar& r) { r.add<RnnCell>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
