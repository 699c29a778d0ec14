#!/usr/bin/env bash
# Configures and builds automl in ./build (two compile jobs: a LibTorch
# translation unit needs about 1.3 GB).
#   scripts/build.sh [CMAKE_OPTION...] [-- TARGET...]
# Without targets everything is built.
# Made for a build from scratch (the README's commands, CI): a unity build
# (CMAKE_UNITY_BUILD: each library's and plugin's sources compiled as one
# translation unit, so LibTorch's headers are parsed once per target, not
# once per file; the test suites too, up to eight files per translation
# unit) with line tables only (-g1: stack traces and profiles keep file and
# line); README, Testing, has the measured time. Options given here come
# after these defaults and override them: for editing and rebuilding file by
# file, or for full debug information, pass
#   -DCMAKE_UNITY_BUILD=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG"
set -euo pipefail
cd "$(dirname "$0")/.."
options=() targets=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; targets=("$@"); break; fi
  options+=("$1"); shift
done
mkdir -p build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "${options[@]}" > build/configure.log 2>&1 \
  || { cat build/configure.log; exit 1; }
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build build -j 2 --target "${targets[@]}"
else
  cmake --build build -j 2
fi
