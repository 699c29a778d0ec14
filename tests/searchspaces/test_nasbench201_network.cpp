// NAS-Bench-201 networks built by the nasbench201 space: parameter counts
// against the benchmark table's params_M, shapes, and the supernet training
// only the selected path.

#include <boost/test/unit_test.hpp>

#include <torch/torch.h>

#include <fstream>

#include "automl/nn/network.hpp"
#include "test_support.hpp"

namespace nasbench201_network {
namespace {

std::unique_ptr<automl::SearchSpace> make_space(const automl::Registry& registry) {
  return registry.make<automl::SearchSpace>("nasbench201", automl::Section("search_space", "nasbench201", {}, {}),
                                            automl::Context{}, {});
}

automl::DatasetInfo cifar10() {
  automl::DatasetInfo info;
  info.task = "image_classification";
  info.shape = {3, 32, 32};
  info.classes = 10;
  return info;
}

automl::nn::NetworkConfig benchmark_size() {
  automl::nn::NetworkConfig config;
  config.layers = 5;
  config.channels = 16;
  return config;
}

std::int64_t parameters(const torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// (arch, params_M) of the table rows whose index is listed.
std::vector<std::pair<std::string, double>> table_rows(const std::vector<long>& indices) {
  std::ifstream in(automl::test::nb201_table());
  std::string line;
  std::getline(in, line);  // header: index,arch,params_M,...
  std::vector<std::pair<std::string, double>> rows;
  for (long n = 0; std::getline(in, line); ++n) {
    if (std::find(indices.begin(), indices.end(), n) == indices.end()) continue;
    const auto fields = automl::split(line, ',');
    rows.emplace_back(fields.at(1), std::stod(fields.at(2)));
  }
  return rows;
}

}  // namespace
}  // namespace nasbench201_network

BOOST_AUTO_TEST_SUITE(nasbench201_network)

BOOST_AUTO_TEST_CASE(parameter_counts_match_the_benchmark_table) {
  if (!automl::test::have_nb201()) return;
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  // The best cell (6111, 1.0735 M), the first, and cells with and without convolutions.
  const auto rows = table_rows({0, 6111, 1, 100, 7777, 15624});
  BOOST_REQUIRE(rows.size() == 6u);
  for (const auto& [arch, params_m] : rows) {
    torch::manual_seed(0);
    const auto net = space->networks()->build(space->parse(arch), benchmark_size(), cifar10());
    const double ours = static_cast<double>(parameters(*net)) / 1e6;
    BOOST_TEST(std::abs(ours - params_m) <= 0.01 * params_m + 1e-4, arch << ": " << ours << " M, table " << params_m);
  }
}

BOOST_AUTO_TEST_CASE(forward_shapes_and_trace) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  auto config = benchmark_size();
  config.layers = 1;
  config.channels = 4;
  const auto net = space->networks()->build(
      space->parse("|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"), config,
      cifar10());
  const auto out = net->forward(torch::randn({2, 3, 32, 32}));
  BOOST_TEST(out.logits.sizes().vec() == std::vector<std::int64_t>({2, 10}));
  const auto trace = automl::nn::trace(*net, {3, 32, 32});
  BOOST_TEST(trace.stages.at(0).first == "stem");
  BOOST_TEST(trace.stages.at(2).first == "reduction 1");
  BOOST_TEST(trace.stages.at(2).second == std::vector<std::int64_t>({8, 16, 16}));
  BOOST_TEST(trace.multiply_adds > 0);
  // A cell of only `none` edges outputs zeros: the network still runs.
  const auto empty = space->networks()->build(space->parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
                                              config, cifar10());
  BOOST_TEST(empty->forward(torch::randn({2, 3, 32, 32})).logits.isfinite().all().item<bool>());
  auto aux = config;
  aux.aux_head = true;
  const auto msg = automl::test::error_of([&] { space->networks()->build(space->parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"), aux, cifar10()); });
  BOOST_TEST(msg.find("no auxiliary head") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(supernet_trains_only_the_selected_path) {
  automl::test::Plugins p;
  const auto space = make_space(p.registry);
  auto config = benchmark_size();
  config.layers = 1;
  config.channels = 4;
  torch::manual_seed(0);
  const auto supernet = space->networks()->build_supernet(config, cifar10());
  BOOST_REQUIRE(supernet != nullptr);
  // Edge 0 (node 0 -> 1) a 3x3 convolution, then skips 1 -> 2 -> 3; the rest none.
  supernet->select(space->parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|"));
  const auto out = supernet->forward(torch::randn({4, 3, 32, 32}));
  out.logits.sum().backward();
  int with_grad = 0, selected_conv = 0, unselected_conv = 0;
  for (const auto& item : supernet->named_parameters()) {
    const bool grad = item.value().grad().defined() && item.value().grad().abs().sum().item<double>() > 0;
    with_grad += grad;
    if (item.key().find("cell0_0.edge0_conv3x3") != std::string::npos) selected_conv += grad;
    if (item.key().find("conv1x1") != std::string::npos || item.key().find("edge1_conv3x3") != std::string::npos)
      unselected_conv += grad;
  }
  BOOST_TEST(selected_conv == 1);   // its convolution weight (its batch norm has no affine weights)
  BOOST_TEST(unselected_conv == 0);
  BOOST_TEST(with_grad > 0);
  // One weight set per edge and operation: 6 edges x (1x1 + 3x3) per cell.
  int convs = 0;
  for (const auto& item : supernet->named_parameters())
    if (item.key().find("cell0_0.edge") != std::string::npos) ++convs;
  BOOST_TEST(convs == 12);
}

BOOST_AUTO_TEST_SUITE_END()
