#pragma once
// A search space: the decisions that make up an architecture, their text form
// and, optionally, a token encoding for sequence-model strategies (NAO, ENAS).
// Random search and evolution need nothing beyond decisions().

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automl/architecture.hpp"
#include "automl/graph.hpp"
#include "automl/random.hpp"

namespace automl {

namespace nn {
class NetworkBuilder;        // automl/nn/network.hpp (brings LibTorch)
class LanguageModelBuilder;  // automl/nn/language_model.hpp (brings LibTorch)
}

/// One integer decision: gene i of an architecture takes a value in
/// [0, choices.size()). `choices` names each value ("nor_conv_3x3", "node 2").
struct Decision {
  std::string name;
  std::vector<std::string> choices;
};

/// How the reference code builds a sequence controller (NAO's
/// encoder-predictor-decoder) for a space. Strategies that learn on the
/// token sequence take their "auto" defaults from it, so one strategy plugin
/// follows each space's own reference without knowing the space's name.
struct ControllerReference {
  /// "general": score = (W_in o_t) . e_j, output tanh(W_out [ctx; o_t]), no
  /// biases (NAO_pytorch, the CNN spaces); "dot": score = o_t . e_j, output
  /// tanh(W_out [ctx; o_t] + b) (NAO-WS/rnn).
  std::string attention = "general";
  /// Predictor weights drawn U(-r, r), biases 0; 0: the framework's default
  /// initialization (NAO_pytorch).
  double predictor_init = 0;
  /// One optimizer for the whole search (NAO-WS/rnn) instead of a fresh one
  /// per round (NAO_pytorch).
  bool one_optimizer = false;
};

/// A token sequence view of a space, as NAO's encoder/decoder and ENAS's
/// controller use it. Token 0 is reserved (start of sequence).
class TokenEncoding {
 public:
  virtual ~TokenEncoding() = default;
  /// Number of distinct tokens, including the reserved 0.
  virtual int vocab_size() const = 0;
  /// Length of every encoded sequence.
  virtual int length() const = 0;
  /// The inclusive token range valid at `position` (0-based). A decoder
  /// restricted to these ranges produces sequences that decode().
  virtual std::pair<int, int> token_range(int position) const = 0;
  /// Tokens of a valid architecture; size() == length().
  virtual std::vector<int> encode(const Architecture& arch) const = 0;
  /// The architecture of a sequence; throws Error when a token is outside
  /// its position's range or the result is invalid.
  virtual Architecture decode(const std::vector<int>& tokens) const = 0;
  /// Other architectures that build the same network (e.g. NAO's branch
  /// swaps). Default: none.
  virtual std::vector<Architecture> symmetric_variants(const Architecture& arch) const;
  /// True when the token at `position` picks an earlier state of a cell
  /// (token t = state t - 1: a NASNet node's input, an RNN node's
  /// predecessor) rather than an operation; ENAS's controller attends over
  /// the states for these. Default: false (every position an operation).
  virtual bool selects_state(int position) const { (void)position; return false; }
  /// The reference's controller for this space. Default: NAO_pytorch's.
  virtual ControllerReference controller_reference() const { return {}; }
};

/// Threads: the host calls a search space from its own thread only (parse
/// and to_text once per trial, invalid_reason, sample for uniform supernet
/// training), never from its parallel trial workers. But evaluators whose
/// concurrent() is true run evaluate() on several threads at once, and the
/// space's builders (networks(), language_models()) and const methods are
/// called from there: every const method must be safe to call concurrently,
/// so a space keeps no mutable state, or guards what it has.
class SearchSpace {
 public:
  virtual ~SearchSpace() = default;

  /// The decisions, one per gene, in gene order. Stable for the object's life.
  virtual const std::vector<Decision>& decisions() const = 0;

  /// Stable, human-readable text of a valid architecture; parse() inverts it.
  virtual std::string to_text(const Architecture& arch) const = 0;
  /// Parses the text form; throws ConfigError saying what was expected.
  virtual Architecture parse(const std::string& text) const = 0;

  /// "" when `arch` is valid, else the reason. The default checks the gene
  /// count and each gene's range; spaces with more rules extend it.
  virtual std::string invalid_reason(const Architecture& arch) const;

  /// A uniformly random valid architecture. Default: each decision uniform,
  /// redrawn until valid.
  virtual Architecture sample(Random& rng) const;

  /// The token encoding, or nullptr when the space has none.
  virtual const TokenEncoding* tokens() const { return nullptr; }

  /// What builds stand-alone networks of this space's architectures for the
  /// training evaluators, or nullptr when the space has none. Owned by the space.
  virtual const nn::NetworkBuilder* networks() const { return nullptr; }

  /// What builds language models around this space's recurrent cells (and
  /// their weight-sharing supernet), or nullptr. Owned by the space.
  virtual const nn::LanguageModelBuilder* language_models() const { return nullptr; }

  /// The cells of a valid `arch` as graphs for pictures (automl/graph.hpp),
  /// or none when the space cannot draw its architectures (the default).
  virtual std::vector<CellGraph> graphs(const Architecture& arch) const {
    (void)arch;
    return {};
  }
};

/// A copy of `arch` with one decision changed to another of its values, chosen
/// uniformly; redrawn until valid (the mutation of regularized evolution).
/// Requires at least one decision with two or more choices.
Architecture mutate_one(const SearchSpace& space, const Architecture& arch, Random& rng);

/// Total number of gene combinations (valid or not); nullopt past 2^63.
std::optional<std::uint64_t> count_combinations(const SearchSpace& space);

}  // namespace automl
