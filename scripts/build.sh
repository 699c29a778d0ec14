#!/usr/bin/env bash
# Configures and builds automl in ./build (two compile jobs: a LibTorch
# translation unit needs about 1.3 GB).
#   scripts/build.sh [CMAKE_OPTION...] [-- TARGET...]
# Without targets everything is built.
set -euo pipefail
cd "$(dirname "$0")/.."
options=() targets=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; targets=("$@"); break; fi
  options+=("$1"); shift
done
mkdir -p build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${options[@]}" > build/configure.log 2>&1 \
  || { cat build/configure.log; exit 1; }
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build build -j 2 --target "${targets[@]}"
else
  cmake --build build -j 2
fi
