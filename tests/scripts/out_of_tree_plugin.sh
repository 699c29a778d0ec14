#!/usr/bin/env bash
# Builds the out-of-tree example plugin with find_package(automl) against the
# build tree, then loads and runs it.
# usage: out_of_tree_plugin.sh AUTOML EXAMPLE_DIR AUTOML_BUILD_DIR WORK_DIR
set -euo pipefail
automl=$1 example=$2 build=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
cmake -S "$example" -B "$work/build" -Dautoml_DIR="$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j 2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
plugin=$(find "$work/build" -name 'strategy_local_search.so' | head -1)
[ -n "$plugin" ] || { echo "FAIL: strategy_local_search.so was not built"; exit 1; }
AUTOML_PLUGIN_PATH="$(dirname "$plugin")" "$automl" list | grep -q "local_search" \
  || { echo "FAIL: automl list does not show the plugin"; exit 1; }
if [ ! -f "$example/../../../../shared/data/nasbench201/nb201.csv" ]; then
  echo "built and listed; run SKIPPED: the NAS-Bench-201 table beside the checkout is absent"; exit 0
fi
cd "$work"
AUTOML_PLUGIN_PATH="$(dirname "$plugin")" "$automl" run "$example/experiment.toml" \
  --set experiment.budget_trials=30 --set experiment.output_dir="$work/runs" > run.out 2> run.err \
  || { cat run.err; exit 1; }
grep -q "30 ok" run.out || { echo "FAIL: unexpected run summary"; cat run.out; exit 1; }
echo "out-of-tree plugin built with find_package(automl), loaded and run"
