// Language models of rnn_cell at the reference's search sizes (NAO reference
// §4.11: embedding = hidden = 300, batch 256, BPTT 35, vocabulary 10,000):
// training tokens/s of the weight-sharing supernet (one random cell per
// window: forward, backward, clip 10, SGD) and of the stand-alone NAONet
// cell, and scoring tokens/s (eval mode, no autograd) of the supernet.
//   build/bin/bench_lm [threads] [steps] [size] [batch]

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <torch/torch.h>

#include "automl/experiment/experiment.hpp"
#include "automl/host/plugin_host.hpp"
#include "automl/host/registry.hpp"
#include "automl/nn/language_model.hpp"
#include "automl/parallel.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 5;
  const int size = argc > 3 ? std::atoi(argv[3]) : 300;
  const int batch = argc > 4 ? std::atoi(argv[4]) : 256;
  const int bptt = 35, vocabulary = 10000;
  automl::tune_allocator();  // as the automl host does
  automl::set_torch_threads(threads);

  automl::Registry registry;
  automl::PluginHost host(registry);
  host.load_defaults();
  const auto exp = automl::parse_experiment(
      "[experiment]\nbudget_trials=1\n[search_space]\ntype=\"rnn_cell\"\n[strategy]\ntype=\"random\"\n"
      "[evaluator]\ntype=\"tabular\"\ntable=\"x\"\n",
      "bench", "/");
  const auto space = registry.make<automl::SearchSpace>("rnn_cell", exp.search_space.section, automl::Context{}, {});
  automl::nn::LanguageModelConfig config;
  config.size = size;
  torch::manual_seed(0);
  const auto tokens = torch::randint(0, vocabulary, {bptt + 1, batch}, torch::kLong);
  automl::Random rng(1);

  auto train_rate = [&](automl::nn::LanguageModel& model, bool supernet, double clip, double lr) {
    torch::optim::SGD sgd(model.parameters(), torch::optim::SGDOptions(lr).weight_decay(5e-7));
    model.train();
    auto hidden = model.initial_hidden(batch);
    auto step = [&] {
      if (supernet) static_cast<automl::nn::LmSupernet&>(model).select(space->sample(rng));
      sgd.zero_grad();
      const auto out = model.forward(tokens.narrow(0, 0, bptt), hidden);
      automl::nn::regularized_loss(out, tokens.narrow(0, 1, bptt), 0, 1e-3).first.backward();
      torch::nn::utils::clip_grad_norm_(model.parameters(), clip);
      sgd.step();
      hidden = out.hidden.detach();
    };
    step();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) step();
    return static_cast<double>(steps) * bptt * batch / seconds_since(start);
  };

  const auto supernet = space->language_models()->build_supernet(config, vocabulary);
  const double ws_train = train_rate(*supernet, true, 10, 0.25);
  supernet->eval();
  auto score = [&] {
    torch::NoGradGuard no_grad;
    supernet->select(space->sample(rng));
    const auto out = supernet->forward(tokens.narrow(0, 0, bptt), supernet->initial_hidden(batch));
    torch::cross_entropy_loss(out.logits, tokens.narrow(0, 1, bptt).reshape({-1})).item<double>();
  };
  score();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) score();
  const double ws_score = static_cast<double>(steps) * bptt * batch / seconds_since(start);

  const auto fixed = space->language_models()->build(space->parse("naonet_ptb"), config, vocabulary);
  const double fixed_train = train_rate(*fixed, false, 0.25, 20);

  std::printf("rnn_cell LM size=%d batch=%d bptt=%d vocab=%d threads=%d: supernet train %.0f tokens/s, "
              "supernet score %.0f tokens/s, naonet_ptb train %.0f tokens/s\n",
              size, batch, bptt, vocabulary, threads, ws_train, ws_score, fixed_train);
  return 0;
}
