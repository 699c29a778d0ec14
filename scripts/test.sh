#!/usr/bin/env bash
# Sets up, builds (warnings as errors) and runs every test, then the
# sanitizer build and its tests (scripts/sanitize.sh), then each fuzz target
# for 15 seconds from a fixed seed (scripts/fuzz.sh), so that a rerun of the
# same commit fuzzes the same inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DAUTOML_WERROR=ON -DAUTOML_BUILD_TESTS=ON -DAUTOML_BUILD_BENCHMARKS=ON
(cd build && ctest --output-on-failure -j 2)
scripts/sanitize.sh
scripts/fuzz.sh --seed 1
