#!/usr/bin/env bash
# Sets up (only what running needs), builds only automl and the plugins the
# quickstart uses (no tests, no benchmarks) and runs the quickstart
# experiment: an NAO-WS search on Fashion-MNIST, then the best cell found
# and a random one trained from scratch side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh --run
scripts/build.sh -DAUTOML_BUILD_TESTS=OFF -DAUTOML_BUILD_BENCHMARKS=OFF -- \
  automl automl_dataset_fashion_mnist automl_search_space_nasnet_cnn automl_strategy_nao \
  automl_evaluator_weight_sharing automl_evaluator_full_training
built=$(date +%s)
build/bin/automl run share/experiments/quickstart.toml
end=$(date +%s)
echo "quickstart: set-up and build $((built - start)) s, search and final training $((end - built)) s"
