// The mlp search space: a multilayer perceptron of one to `max_layers` hidden
// layers, each a width and an activation. An example of a search space
// written outside the automl tree: its decisions, a text form, a validity
// rule with the sampler that respects it, and a token encoding, so that NAO
// and ENAS search it as they search the built-in spaces. It builds no network
// of its own: the command evaluator hands each architecture to a training
// script (train_mlp.py beside this file reads the genes from trial.json).
//
// Genes, two per layer: gene 2i is layer i's width (0 = "none": no layer i),
// gene 2i+1 its activation. Valid: layer 0 exists, a "none" layer is followed
// only by "none" layers, and a "none" layer's activation is the first one, so
// that each network has exactly one gene string. Text form: the layers that
// exist, "256:relu,128:gelu".

#include <string>
#include <utility>
#include <vector>

#include <automl/error.hpp>
#include <automl/plugin.hpp>
#include <automl/text.hpp>

namespace {

using automl::Architecture;

const std::vector<std::string> kActivations{"relu", "tanh", "gelu"};

class MlpTokens final : public automl::TokenEncoding {
 public:
  // Token 0 is reserved; widths (with "none") come first, then activations.
  MlpTokens(int layers, int widths) : layers_(layers), widths_(widths) {}

  int vocab_size() const override { return 1 + widths_ + static_cast<int>(kActivations.size()); }
  int length() const override { return 2 * layers_; }
  std::pair<int, int> token_range(int position) const override {
    if (position % 2 == 1) return {1 + widths_, widths_ + static_cast<int>(kActivations.size())};
    return {position == 0 ? 2 : 1, widths_};  // the first layer cannot be "none"
  }
  std::vector<int> encode(const Architecture& arch) const override {
    std::vector<int> tokens(arch.genes.size());
    for (std::size_t i = 0; i < arch.genes.size(); ++i)
      tokens[i] = 1 + arch.genes[i] + (i % 2 == 1 ? widths_ : 0);
    return tokens;
  }
  // Every sequence within the ranges decodes: what follows a "none" layer is
  // dropped, as the network would drop it.
  Architecture decode(const std::vector<int>& tokens) const override {
    if (static_cast<int>(tokens.size()) != length())
      throw automl::Error("mlp: expected " + std::to_string(length()) + " tokens, found " +
                          std::to_string(tokens.size()));
    Architecture arch{std::vector<int>(tokens.size(), 0)};
    for (int i = 0; i < length(); ++i) {
      const auto [lo, hi] = token_range(i);
      if (tokens[i] < lo || tokens[i] > hi)
        throw automl::Error("mlp: token " + std::to_string(tokens[i]) + " at position " + std::to_string(i) +
                            " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    for (int layer = 0; layer < layers_; ++layer) {
      const int width = tokens[2 * layer] - 1;
      if (width == 0) break;
      arch.genes[2 * layer] = width;
      arch.genes[2 * layer + 1] = tokens[2 * layer + 1] - 1 - widths_;
    }
    return arch;
  }

 private:
  int layers_, widths_;
};

class Mlp final : public automl::SearchSpace {
 public:
  struct Options {
    int max_layers = 4;
    std::vector<int> widths{64, 128, 256, 512};
  };
  static const automl::Schema<Options>& schema() {
    static const auto s =
        automl::Schema<Options>(
            "A multilayer perceptron: 1 to max_layers hidden layers, each one of `widths` units and an "
            "activation (relu, tanh, gelu). Text form 256:relu,128:gelu. Trained by your own script "
            "through the command evaluator.")
            .field("max_layers", &Options::max_layers, "Most hidden layers")
            .range(1, 16)
            .field("widths", &Options::widths, "The widths a layer can have, in units")
            .range(1, 1 << 20)
            .rule("widths",
                  [](const Options& o) {
                    return o.widths.empty() ? std::string("name at least one width, e.g. [64, 128]") : std::string();
                  })
            .example("");
    return s;
  }

  Mlp(const Options& o, const automl::Context&) : options_(o), tokens_(o.max_layers, 1 + int(o.widths.size())) {
    std::vector<std::string> widths{"none"};
    for (int w : o.widths) widths.push_back(std::to_string(w));
    for (int layer = 1; layer <= o.max_layers; ++layer) {
      decisions_.push_back({"layer " + std::to_string(layer) + " width", widths});
      decisions_.push_back({"layer " + std::to_string(layer) + " activation", kActivations});
    }
  }

  const std::vector<automl::Decision>& decisions() const override { return decisions_; }
  const automl::TokenEncoding* tokens() const override { return &tokens_; }

  std::string to_text(const Architecture& arch) const override {
    std::string text;
    for (std::size_t i = 0; i + 1 < arch.genes.size() && arch.genes[i] != 0; i += 2) {
      if (!text.empty()) text += ",";
      text += decisions_[i].choices[static_cast<std::size_t>(arch.genes[i])] + ":" +
              kActivations[static_cast<std::size_t>(arch.genes[i + 1])];
    }
    return text;
  }

  Architecture parse(const std::string& text) const override {
    const auto layers = automl::split(text, ',');
    if (text.empty() || static_cast<int>(layers.size()) > options_.max_layers)
      throw automl::ConfigError("mlp: cannot parse '" + text + "': expected 1 to " +
                                std::to_string(options_.max_layers) + " layers WIDTH:ACTIVATION separated by ','");
    Architecture arch{std::vector<int>(decisions_.size(), 0)};
    for (std::size_t layer = 0; layer < layers.size(); ++layer) {
      const auto parts = automl::split(layers[layer], ':');
      const auto& widths = decisions_[2 * layer].choices;
      int width = -1, activation = -1;
      for (std::size_t w = 1; parts.size() == 2 && w < widths.size(); ++w)
        if (widths[w] == parts[0]) width = static_cast<int>(w);
      for (std::size_t a = 0; parts.size() == 2 && a < kActivations.size(); ++a)
        if (kActivations[a] == parts[1]) activation = static_cast<int>(a);
      if (width < 0 || activation < 0)
        throw automl::ConfigError("mlp: cannot parse layer '" + layers[layer] + "' of '" + text +
                                  "': expected WIDTH:ACTIVATION with WIDTH one of " +
                                  automl::quoted_list({widths.begin() + 1, widths.end()}) + " and ACTIVATION one of " +
                                  automl::quoted_list(kActivations));
      arch.genes[2 * layer] = width;
      arch.genes[2 * layer + 1] = activation;
    }
    return arch;
  }

  std::string invalid_reason(const Architecture& arch) const override {
    if (auto reason = SearchSpace::invalid_reason(arch); !reason.empty()) return reason;
    if (arch.genes[0] == 0) return "layer 1 is 'none': an MLP has at least one hidden layer";
    bool ended = false;
    for (std::size_t i = 0; i < arch.genes.size(); i += 2) {
      if (ended && arch.genes[i] != 0)
        return "layer " + std::to_string(i / 2 + 1) + " follows a 'none' layer: layers after 'none' are 'none'";
      if (arch.genes[i] == 0 && arch.genes[i + 1] != 0)
        return "layer " + std::to_string(i / 2 + 1) + " is 'none' and has an activation: give it 0";
      ended = ended || arch.genes[i] == 0;
    }
    return "";
  }

  // Uniform over depths, then uniform over each layer's width and activation
  // (the default sampler redraws all genes until valid: few draws are).
  Architecture sample(automl::Random& rng) const override {
    Architecture arch{std::vector<int>(decisions_.size(), 0)};
    const int depth = rng.uniform_int(1, options_.max_layers);
    for (int layer = 0; layer < depth; ++layer) {
      arch.genes[2 * layer] = rng.uniform_int(1, static_cast<int>(options_.widths.size()));
      arch.genes[2 * layer + 1] = rng.uniform_int(0, static_cast<int>(kActivations.size()) - 1);
    }
    return arch;
  }

 private:
  Options options_;
  MlpTokens tokens_;
  std::vector<automl::Decision> decisions_;
};

void register_components(automl::Registrar& r) { r.add<Mlp>(); }

}  // namespace

AUTOML_PLUGIN(register_components)
