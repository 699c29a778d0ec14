#!/usr/bin/env bash
# Configures and builds automl in ./build (two compile jobs: a LibTorch
# translation unit needs about 1.3 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > build/configure.log 2>&1 \
  || { cat build/configure.log; exit 1; }
cmake --build build -j 2
