#include "trainer.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <torch/torch.h>

namespace nao {

namespace {

at::Tensor token_matrix(const std::vector<const std::vector<int>*>& rows, int length) {
  auto t = torch::empty({static_cast<std::int64_t>(rows.size()), length}, torch::kLong);
  auto* p = t.data_ptr<std::int64_t>();
  for (const auto* row : rows) p = std::copy(row->begin(), row->end(), p);
  return t;
}

at::Tensor encode_archs(const automl::TokenEncoding& tokens, const std::vector<automl::Architecture>& archs) {
  std::vector<std::vector<int>> seqs;
  for (const auto& a : archs) seqs.push_back(tokens.encode(a));
  std::vector<const std::vector<int>*> rows;
  for (const auto& s : seqs) rows.push_back(&s);
  return token_matrix(rows, tokens.length());
}

// One training example: its token sequences (the original first, then the
// symmetric variants drawn from online) and its normalized score.
struct Example {
  std::vector<std::vector<int>> sequences;
  bool online = false;
  float target = 0;
};

std::vector<Example> examples(const automl::TokenEncoding& tokens, const std::vector<Scored>& data,
                              const TrainOptions& o, automl::Random& rng) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& d : data) lo = std::min(lo, d.score), hi = std::max(hi, d.score);
  // Rank targets: (number below + half the ties) / (n - 1), in [0, 1]; an
  // outlier (a degenerate cell) then no longer squeezes the rest together.
  const auto rank_target = [&](double score) {
    double below = 0, ties = 0;
    for (const auto& d : data) below += d.score < score, ties += d.score == score;
    return data.size() > 1 ? (below + (ties - 1) / 2) / static_cast<double>(data.size() - 1) : 0.5;
  };
  std::vector<Example> out;
  for (const auto& d : data) {
    Example e;
    e.target = static_cast<float>(o.targets == "rank" ? rank_target(d.score)
                                  : hi > lo          ? (d.score - lo) / (hi - lo)
                                                     : 0.5);
    e.sequences.push_back(tokens.encode(d.arch));
    const auto variants = tokens.symmetric_variants(d.arch);
    if (o.augmentation == "online" && !variants.empty()) {
      e.online = true;
      for (const auto& v : variants) e.sequences.push_back(tokens.encode(v));
    }
    out.push_back(e);
    // Offline: expand - 1 more copies, each with one variant drawn once.
    if (o.augmentation == "offline" && !variants.empty())
      for (int k = 1; k < o.expand; ++k) {
        Example copy;
        copy.target = e.target;
        copy.sequences.push_back(tokens.encode(variants[rng.index(variants.size())]));
        out.push_back(std::move(copy));
      }
  }
  return out;
}

}  // namespace

std::unique_ptr<torch::optim::Adam> make_optimizer(Controller& controller, const TrainOptions& o) {
  return std::make_unique<torch::optim::Adam>(controller->parameters(),
                                              torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
}

std::map<std::string, double> train_controller(Controller& controller, const automl::TokenEncoding& tokens,
                                               const std::vector<Scored>& data, const TrainOptions& o,
                                               automl::Random& rng, const std::vector<automl::Architecture>& unlabeled,
                                               torch::optim::Adam* optimizer) {
  torch::manual_seed(rng.next_u64());  // dropout draws follow the strategy's generator
  const auto train = examples(tokens, data, o, rng);
  std::vector<Scored> reconstruct_only;
  for (const auto& a : unlabeled) reconstruct_only.push_back({a, 0.0});
  const auto extra = examples(tokens, reconstruct_only, o, rng);
  std::size_t next_extra = 0;
  // Online augmentation always swaps: one variant, never the original.
  const auto sequence_of = [&rng](const Example& e) -> const std::vector<int>& {
    return e.sequences[e.online ? 1 + rng.index(e.sequences.size() - 1) : 0];
  };
  controller->train();
  std::unique_ptr<torch::optim::Adam> fresh;
  if (optimizer == nullptr) fresh = make_optimizer(controller, o), optimizer = fresh.get();
  torch::optim::Adam& adam = *optimizer;
  const int vocab = controller->options().vocab;
  std::vector<std::size_t> order(train.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  double mse_sum = 0, nll_sum = 0;
  int batches = 0;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
    mse_sum = nll_sum = 0, batches = 0;
    for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(o.batch_size)) {
      const std::size_t end = std::min(order.size(), start + static_cast<std::size_t>(o.batch_size));
      std::vector<const std::vector<int>*> rows;
      std::vector<float> targets;
      for (std::size_t k = start; k < end; ++k) {
        const Example& e = train[order[k]];
        rows.push_back(&sequence_of(e));
        targets.push_back(e.target);
      }
      // The unlabeled rows follow the labeled ones; only the decoder's loss sees them.
      const auto labeled = static_cast<std::int64_t>(rows.size());
      for (std::size_t k = 0; k < extra.size() && k < static_cast<std::size_t>(o.batch_size); ++k) {
        rows.push_back(&sequence_of(extra[next_extra]));
        next_extra = (next_extra + 1) % extra.size();
      }
      const auto seq = token_matrix(rows, tokens.length());
      const auto y = torch::from_blob(targets.data(), {labeled}, torch::kFloat).clone();
      const auto enc = controller->encode(seq);
      const auto mse = torch::mse_loss(controller->predict(enc.embedding.narrow(0, 0, labeled)), y);
      const auto nll = torch::nll_loss(controller->reconstruct(enc, seq).reshape({-1, vocab}), seq.reshape({-1}));
      const auto loss = o.trade_off * mse + (1 - o.trade_off) * nll;
      adam.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(controller->parameters(), o.grad_clip);
      adam.step();
      mse_sum += mse.item<double>(), nll_sum += nll.item<double>(), ++batches;
    }
  }
  return {{"train_mse", batches ? mse_sum / batches : NAN}, {"train_nll", batches ? nll_sum / batches : NAN}};
}

std::vector<double> predict(Controller& controller, const automl::TokenEncoding& tokens,
                            const std::vector<automl::Architecture>& archs) {
  if (archs.empty()) return {};
  torch::NoGradGuard no_grad;
  controller->eval();
  const auto p = controller->predict(controller->encode(encode_archs(tokens, archs)).embedding).contiguous();
  return std::vector<double>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
}

std::vector<automl::Architecture> best_predicted(Controller& controller, const automl::TokenEncoding& tokens,
                                                 std::vector<automl::Architecture> archs, int count) {
  const auto predicted = predict(controller, tokens, archs);
  std::vector<std::size_t> order(archs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return predicted[a] > predicted[b]; });
  order.resize(std::min(order.size(), static_cast<std::size_t>(std::max(count, 0))));
  std::vector<automl::Architecture> best;
  for (const auto i : order) best.push_back(std::move(archs[i]));
  return best;
}

namespace {
std::vector<std::pair<int, int>> ranges_of(const automl::TokenEncoding& tokens) {
  std::vector<std::pair<int, int>> r;
  for (int t = 0; t < tokens.length(); ++t) r.push_back(tokens.token_range(t));
  return r;
}
}  // namespace

std::map<std::string, double> reconstruction(Controller& controller, const automl::TokenEncoding& tokens,
                                             const std::vector<automl::Architecture>& archs) {
  if (archs.empty()) return {};
  torch::NoGradGuard no_grad;
  controller->eval();
  const auto seq = encode_archs(tokens, archs);
  const auto decoded = controller->decode_greedy(controller->encode(seq), ranges_of(tokens));
  const auto same = decoded.eq(seq);
  return {{"reconstruction_token_acc", same.to(torch::kDouble).mean().item<double>()},
          {"reconstruction_exact", same.all(1).to(torch::kDouble).mean().item<double>()}};
}

// Rows per greedy-decoding call that generate() aims for.
constexpr std::int64_t kDecodeRows = 100;

Generated generate(Controller& controller, const automl::TokenEncoding& tokens,
                   const std::vector<automl::Architecture>& seeds, int count, int max_step,
                   const std::function<bool(const automl::Architecture&)>& is_novel) {
  Generated g;
  if (seeds.empty() || count <= 0) return g;
  controller->eval();
  at::Tensor outputs;
  {
    torch::NoGradGuard no_grad;
    outputs = controller->encode(encode_archs(tokens, seeds)).outputs;
  }
  const auto gradient = controller->gradient(outputs);
  const auto ranges = ranges_of(tokens);
  std::set<automl::Architecture> kept;
  torch::NoGradGuard no_grad;
  // Several step sizes per decoder call when there are few seeds (a decode
  // step costs about the same for 10 rows as for 100); the rows are read in
  // step order, so the result is that of one call per step size.
  const auto rows = outputs.size(0);
  const int per_call = std::max<int>(1, static_cast<int>(kDecodeRows / rows));
  // Step sizes 1 ... max_step + 1: the reference tests `> max_step_size`
  // after taking a step, so its last step is one past the limit.
  const int last = max_step + 1;
  for (int first = 1; first <= last && static_cast<int>(g.archs.size()) < count; first += per_call) {
    const int k = std::min(per_call, last - first + 1);
    const auto steps = torch::arange(first, first + k, outputs.options()).repeat_interleave(rows).view({-1, 1, 1});
    const auto moved = ControllerImpl::move(outputs.repeat({k, 1, 1}), gradient.repeat({k, 1, 1}) * steps, 1.0);
    const auto decoded = controller->decode_greedy(moved, ranges).contiguous();
    const auto* p = decoded.data_ptr<std::int64_t>();
    for (int j = 0; j < k && static_cast<int>(g.archs.size()) < count; ++j) {
      const int step = first + j;
      g.last_step = step;
      for (std::int64_t row = j * rows; row < (j + 1) * rows && static_cast<int>(g.archs.size()) < count; ++row) {
        const std::vector<int> seq(p + row * tokens.length(), p + (row + 1) * tokens.length());
        const auto arch = tokens.decode(seq);
        if (kept.count(arch) || !is_novel(arch)) continue;
        kept.insert(arch);
        g.archs.push_back(arch);
        ++g.novel_at_step[step];
      }
    }
  }
  return g;
}

}  // namespace nao
