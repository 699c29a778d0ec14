#pragma once
// What the NASNet benchmarks share: the nasnet_cnn search space as the
// plugin builds it, and the CIFAR-10 shape of their random images.

#include <memory>
#include <string>

#include "automl/experiment/experiment.hpp"
#include "automl/host/plugin_host.hpp"
#include "automl/host/registry.hpp"
#include "automl/search_space.hpp"

namespace bench {

/// The built-in plugins, loaded once, and nasnet_cnn with `op_set`.
inline std::unique_ptr<automl::SearchSpace> nasnet_space(const std::string& op_set = "nao_ws") {
  static automl::Registry registry;
  static automl::PluginHost host(registry);
  static const bool loaded = (host.load_defaults(), true);
  (void)loaded;
  const auto exp = automl::parse_experiment(
      "[experiment]\nbudget_trials=1\n[search_space]\ntype=\"nasnet_cnn\"\nop_set=\"" + op_set +
          "\"\n[strategy]\ntype=\"random\"\n[evaluator]\ntype=\"tabular\"\ntable=\"x\"\n",
      "bench", "/");
  return registry.make<automl::SearchSpace>("nasnet_cnn", exp.search_space.section, automl::Context{}, {});
}

/// 3x32x32 images, 10 classes.
inline automl::DatasetInfo cifar_info() {
  automl::DatasetInfo cifar;
  cifar.task = "image_classification";
  cifar.shape = {3, 32, 32};
  cifar.classes = 10;
  return cifar;
}

}  // namespace bench
