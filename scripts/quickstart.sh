#!/usr/bin/env bash
# Sets up, builds and runs the quickstart experiment.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build/bin/automl run share/experiments/quickstart.toml
