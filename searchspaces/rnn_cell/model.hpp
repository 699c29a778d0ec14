#pragma once
// Language models around the recurrent cell (NAO reference §1.4, §4.11; the
// DARTS-derived PyTorch code of NAO-WS for PTB): embedding with word and
// locked dropout, the cell unrolled over time with per-sequence masks on its
// inputs, locked dropout on its outputs, a decoder tied to the embedding.

#include "automl/nn/language_model.hpp"

namespace rnn {

class LmBuilder final : public automl::nn::LanguageModelBuilder {
 public:
  std::shared_ptr<automl::nn::LanguageModel> build(const automl::Architecture& arch,
                                                   const automl::nn::LanguageModelConfig& config,
                                                   std::int64_t vocabulary) const override;
  std::shared_ptr<automl::nn::LmSupernet> build_supernet(const automl::nn::LanguageModelConfig& config,
                                                         std::int64_t vocabulary) const override;
};

}  // namespace rnn
