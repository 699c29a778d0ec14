// Stand-alone NASNet/NAONet networks built by the nasnet_cnn space (NAO
// reference §5): sizes, shapes, the auxiliary head, drop-path; and two
// properties of its weight-sharing supernet: recomputing activations trains
// exactly as saving them does, and scoring without autograd gives the
// logits of the same pass with autograd.

#include <boost/test/unit_test.hpp>

#include <torch/torch.h>

#include "automl/nn/memory_format.hpp"
#include "automl/nn/network.hpp"
#include "automl/random.hpp"
#include "test_support.hpp"

namespace nasnet_network {
namespace {

std::unique_ptr<automl::SearchSpace> make_space(const automl::Registry& registry, const std::string& body = "") {
  const std::string text = "[experiment]\nbudget_trials=1\n[search_space]\ntype=\"nasnet_cnn\"\n" + body +
                           "\n[strategy]\ntype=\"random\"\n[evaluator]\ntype=\"tabular\"\ntable=\"x\"\n";
  const auto exp = automl::parse_experiment(text, "exp.toml", "/");
  return registry.make<automl::SearchSpace>("nasnet_cnn", exp.search_space.section, automl::Context{}, {});
}

automl::DatasetInfo images(std::int64_t channels, std::int64_t size, std::int64_t classes) {
  automl::DatasetInfo info;
  info.task = "image_classification";
  info.shape = {channels, size, size};
  info.classes = classes;
  return info;
}

std::shared_ptr<automl::nn::Network> build(const automl::SearchSpace& space, const std::string& arch, int layers,
                                           int channels, const automl::DatasetInfo& data, bool aux = false,
                                           double keep = 1.0) {
  torch::manual_seed(0);
  automl::nn::NetworkConfig config;
  config.layers = layers;
  config.channels = channels;
  config.aux_head = aux;
  config.drop_path_keep = keep;
  return space.networks()->build(space.parse(arch), config, data);
}

std::shared_ptr<automl::nn::Supernet> supernet(const automl::SearchSpace& space, bool recompute) {
  torch::manual_seed(0);
  automl::nn::NetworkConfig config;
  config.layers = 1;
  config.channels = 12;
  config.drop_path_keep = 0.8;
  config.recompute = recompute;
  return space.networks()->build_supernet(config, images(3, 16, 10));
}

}  // namespace
}  // namespace nasnet_network

BOOST_AUTO_TEST_SUITE(nasnet_network)

// Counted as the reference's count_parameters_in_MB does (auxiliary head
// excluded) for the V1 model.py construction of §5: 11,470,150 and 2,921,302.
// The paper's table says 10.6 M (NAONet) and 2.5 M (NAONet-WS) for its
// TensorFlow models; the PyTorch construction is 8 % and 17 % larger.
BOOST_AUTO_TEST_CASE(naonet_parameter_counts_match_the_reference_construction) {
  automl::test::Plugins p;
  const auto cifar = images(3, 32, 10);
  const auto a = build(*make_space(p.registry, "op_set = \"naonet\""), "naonet_a", 6, 36, cifar, true);
  const auto b = build(*make_space(p.registry), "naonet_b", 6, 36, cifar, true);
  BOOST_TEST(automl::nn::parameter_count(*a, "aux") == 11470150);
  BOOST_TEST(automl::nn::parameter_count(*b, "aux") == 2921302);
  BOOST_TEST(automl::nn::parameter_count(*b) > automl::nn::parameter_count(*b, "aux"));
}

BOOST_AUTO_TEST_CASE(shapes_for_mnist_and_cifar_images) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  for (const auto& data : {images(1, 28, 10), images(3, 32, 100)}) {
    const auto net = build(*space, "naonet_b", 1, 8, data, true);
    const auto trace = automl::nn::trace(*net, data.shape);
    BOOST_REQUIRE(trace.stages.size() == 7u);  // stem, 5 cells, classifier
    const std::int64_t size = data.shape[1];
    BOOST_TEST(trace.stages[0].second == (std::vector<std::int64_t>{24, size, size}));
    BOOST_TEST(trace.stages[2].first == "cell 1 (reduction)");
    BOOST_TEST(trace.stages[2].second[1] == (size + 1) / 2);
    BOOST_TEST(trace.stages[4].second[1] == ((size + 1) / 2 + 1) / 2);
    BOOST_TEST(trace.stages[6].second == (std::vector<std::int64_t>{data.classes}));
    BOOST_TEST(trace.multiply_adds > 0);
    net->train();
    const auto out = net->forward(torch::randn({2, data.shape[0], size, size}));
    BOOST_TEST(out.aux_logits.defined());
    BOOST_TEST(out.aux_logits.size(1) == data.classes);
    net->eval();
    BOOST_TEST(!net->forward(torch::randn({2, data.shape[0], size, size})).aux_logits.defined());
  }
}

// memory_format = "channels_last": the same network and weights in the other
// layout give the same logits up to summation order, and the stem's 3-channel
// weight really is stored channels-last (a 1-channel or 1x1 weight is the same
// in both layouts, so this needs colour images).
BOOST_AUTO_TEST_CASE(channels_last_gives_the_same_logits) {
  automl::test::Plugins p;
  const auto net = build(*make_space(p.registry), "naonet_b", 1, 8, images(3, 32, 10));
  net->eval();
  torch::manual_seed(1);
  const auto x = torch::randn({4, 3, 32, 32});
  torch::NoGradGuard no_grad;
  const auto contiguous = net->forward(x).logits;
  automl::nn::to_channels_last(*net);
  bool stem_is_channels_last = false;
  for (const auto& w : net->parameters())
    if (w.dim() == 4 && w.size(1) == 3 && w.size(2) > 1)
      stem_is_channels_last = w.is_contiguous(at::MemoryFormat::ChannelsLast) && !w.is_contiguous();
  BOOST_TEST(stem_is_channels_last);
  const auto last = net->forward(x.contiguous(at::MemoryFormat::ChannelsLast)).logits;
  const double difference = (last - contiguous).abs().max().item<double>();
  BOOST_TEST_MESSAGE("largest logit difference, channels-last vs contiguous: " << difference);
  BOOST_TEST(difference < 1e-4);
  BOOST_TEST(contiguous.abs().max().item<double>() > 1e-3);  // not trivially zero
}

// Every operation of both sets, in a normal and a reduction cell, and as an
// input of both kinds: all 22 cells below together use each op with stride 1
// and 2; forward and backward run and keep the shapes.
BOOST_AUTO_TEST_CASE(every_operation_builds_and_trains) {
  automl::test::Plugins p;
  for (const std::string set : {"nao_ws", "naonet"}) {
    const auto space = make_space(p.registry, "op_set = \"" + set + "\"");
    const int ops = static_cast<int>(space->decisions()[1].choices.size());
    for (int op = 0; op < ops; ++op) {
      std::string cell;
      for (int n = 0; n < 5; ++n) cell += std::to_string(n % 2) + " " + std::to_string(op) + " " +
                                          std::to_string(n + 1) + " " + std::to_string((op + n) % ops) + " ";
      const auto net = build(*space, cell + "| " + cell, 1, 4, images(3, 12, 5), false, 0.5);
      net->train();
      net->set_progress(0, 10);
      const auto out = net->forward(torch::randn({3, 3, 12, 12}));
      BOOST_TEST(out.logits.sizes() == (std::vector<std::int64_t>{3, 5}));
      out.logits.sum().backward();
    }
  }
}

BOOST_AUTO_TEST_CASE(drop_path_draws_from_the_network_generator) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  const auto net = build(*space, "naonet_b", 1, 4, images(1, 8, 3), false, 0.5);
  const auto x = torch::randn({8, 1, 8, 8});
  net->train();
  net->set_progress(99, 100);
  net->reseed(7);
  const auto a = net->forward(x).logits;
  net->reseed(7);
  BOOST_TEST(torch::equal(a, net->forward(x).logits));
  net->reseed(8);
  BOOST_TEST(!torch::equal(a, net->forward(x).logits));
  net->eval();
  BOOST_TEST(torch::equal(net->forward(x).logits, net->forward(x).logits));
}

BOOST_AUTO_TEST_CASE(wrong_data_is_a_config_error) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  automl::DatasetInfo text;
  text.task = "language_model";
  BOOST_CHECK_THROW(build(*space, "naonet_b", 1, 4, text), automl::ConfigError);
  BOOST_CHECK_THROW(build(*space, "naonet_b", 1, 4, images(3, 2, 10)), automl::ConfigError);
}

// Four SGD steps, a drawn candidate each (drop-path on): every parameter
// and every BN statistic ends bit-identical with and without recomputation.
BOOST_AUTO_TEST_CASE(a_supernet_that_recomputes_trains_exactly_as_one_that_saves) {
  torch::set_num_threads(1);
  automl::test::Plugins p;
  const auto space = make_space(p.registry, "op_set = \"nao_ws\"");
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({8, 3, 16, 16}), y = torch::randint(0, 10, {8});
  std::vector<std::vector<torch::Tensor>> states;
  for (bool recompute : {false, true}) {
    const auto net = supernet(*space, recompute);
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
    automl::Random rng(11);
    net->train();
    for (int step = 0; step < 4; ++step) {
      net->select(space->sample(rng));
      net->set_progress(step, 4);
      sgd.zero_grad();
      torch::cross_entropy_loss(net->forward(x).logits, y).backward();
      sgd.step();
    }
    std::vector<torch::Tensor> state;
    for (const auto& t : net->parameters()) state.push_back(t.detach().clone());
    for (const auto& t : net->buffers()) state.push_back(t.clone());
    states.push_back(state);
  }
  BOOST_REQUIRE(states[0].size() == states[1].size());
  int differing = 0;
  for (std::size_t i = 0; i < states[0].size(); ++i) differing += !torch::equal(states[0][i], states[1][i]);
  BOOST_TEST(differing == 0);
}

// Without autograd, scoring runs other kernels (max pooling and batch norm
// at every channel count, no saved indices or statistics for a backward
// pass); the logits must be those of the same pass with autograd on.
BOOST_AUTO_TEST_CASE(scoring_without_autograd_gives_the_logits_of_the_pass_with_autograd) {
  torch::set_num_threads(1);
  automl::test::Plugins p;
  const auto space = make_space(p.registry, "op_set = \"nao_ws\"");
  const auto net = supernet(*space, false);
  torch::manual_seed(2);
  const torch::Tensor x = torch::randn({16, 3, 16, 16});
  automl::Random rng(12);
  for (int i = 0; i < 6; ++i) {
    net->select(space->sample(rng));
    net->set_scoring(true);
    const torch::Tensor with_grad = net->forward(x).logits;
    BOOST_REQUIRE(with_grad.requires_grad());
    torch::Tensor without;
    {
      torch::NoGradGuard no_grad;
      without = net->forward(x).logits;
    }
    net->set_scoring(false);
    BOOST_TEST(torch::equal(with_grad.detach(), without), "candidate " << i);
  }
}

BOOST_AUTO_TEST_SUITE_END()
