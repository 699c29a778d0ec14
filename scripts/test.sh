#!/usr/bin/env bash
# Sets up, builds (warnings as errors), starts a single-node Slurm (as root:
# scripts/slurm-start.sh) and runs every test, then the
# sanitizer build and its tests (scripts/sanitize.sh), then each fuzz target
# for 15 seconds from a fixed seed (scripts/fuzz.sh), so that a rerun of the
# same commit fuzzes the same inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DAUTOML_WERROR=ON -DAUTOML_BUILD_TESTS=ON -DAUTOML_BUILD_BENCHMARKS=ON
# A single-node Slurm for the slurm launcher's tests, stopped however this ends.
[ "$(id -u)" -eq 0 ] && { scripts/slurm-start.sh; trap scripts/slurm-stop.sh EXIT; }
(cd build && ctest --output-on-failure -j 2)
scripts/sanitize.sh
scripts/fuzz.sh --seed 1
