#pragma once
// The stand-alone NASNet/NAONet network of a cell pair (NAO reference,
// model.py): stem, three stages of N cells with a reduction cell between
// stages, loose-end concatenation, optional auxiliary head, classifier.

#include <memory>
#include <string>
#include <vector>

#include "automl/nn/network.hpp"

namespace nasnet {

/// Throws ConfigError unless `data` is an image task a network can be built for.
void check_image_data(const automl::DatasetInfo& data, const automl::nn::NetworkConfig& config);

class NetworkBuilder final : public automl::nn::NetworkBuilder {
 public:
  NetworkBuilder(int nodes, std::vector<std::string> ops) : nodes_(nodes), ops_(std::move(ops)) {}
  std::string task() const override { return "image_classification"; }
  std::shared_ptr<automl::nn::Network> build(const automl::Architecture& arch, const automl::nn::NetworkConfig& config,
                                             const automl::DatasetInfo& data) const override;
  std::shared_ptr<automl::nn::Supernet> build_supernet(const automl::nn::NetworkConfig& config,
                                                       const automl::DatasetInfo& data) const override;

 private:
  int nodes_;
  std::vector<std::string> ops_;
};

}  // namespace nasnet
