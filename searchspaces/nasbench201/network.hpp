#pragma once
// NAS-Bench-201 networks (Dong & Yang, ICLR 2020): the benchmark's macro
// skeleton around a cell, stand-alone and as a weight-sharing supernet.

#include <memory>

#include "automl/nn/network.hpp"

namespace nb201 {

class NetworkBuilder final : public automl::nn::NetworkBuilder {
 public:
  std::string task() const override { return "image_classification"; }
  /// The benchmark's network: conv 3x3 stem (C channels) + BN, three stages
  /// of N cells at C, 2C, 4C with a residual reduction block between them,
  /// BN + ReLU, global average pool, linear classifier. N = config.layers,
  /// C = config.channels (the benchmark: 5 and 16).
  std::shared_ptr<automl::nn::Network> build(const automl::Architecture& arch, const automl::nn::NetworkConfig& config,
                                             const automl::DatasetInfo& data) const override;
  /// The same skeleton with every operation on every edge (one weight set
  /// per edge and operation); the selected cell's path runs. Batch norm in
  /// cells without affine weights or running statistics, as the benchmark's
  /// search cells.
  std::shared_ptr<automl::nn::Supernet> build_supernet(const automl::nn::NetworkConfig& config,
                                                       const automl::DatasetInfo& data) const override;
};

}  // namespace nb201
