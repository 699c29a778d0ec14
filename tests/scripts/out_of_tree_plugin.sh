#!/usr/bin/env bash
# Builds the out-of-tree example plugins (share/examples/plugin: a strategy
# and a search space) with find_package(automl) against the build tree, then
# loads them and runs the strategy.
# usage: out_of_tree_plugin.sh AUTOML EXAMPLE_DIR AUTOML_BUILD_DIR WORK_DIR
set -euo pipefail
automl=$1 example=$2 build=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
cmake -S "$example" -B "$work/build" -Dautoml_DIR="$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j 2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
for so in local_search/strategy_local_search.so mlp/search_space_mlp.so; do
  [ -f "$work/build/$so" ] || { echo "FAIL: $so was not built"; exit 1; }
done
export AUTOML_PLUGIN_PATH="$work/build/local_search:$work/build/mlp"
list=$("$automl" list)
grep -q "^  local_search " <<< "$list" || { echo "FAIL: automl list does not show local_search: $list"; exit 1; }
grep -q "^  mlp " <<< "$list" || { echo "FAIL: automl list does not show mlp: $list"; exit 1; }
# The search space: its experiment checks (components built); with
# python3-torch, NAO searches it for 4 trials of train_mlp.py, each with a
# learning curve.
"$automl" check "$example/mlp/experiment.toml" > "$work/check.out" 2>&1 || { cat "$work/check.out"; exit 1; }
if /usr/bin/python3 -c 'import torch' 2> /dev/null && [ -d /usr/share/datasets/fashion-mnist ]; then
  (cd "$work" && OMP_NUM_THREADS=1 "$automl" run "$example/mlp/experiment.toml" --set experiment.budget_trials=4 \
     --set 'evaluator.command=["/usr/bin/python3", "train_mlp.py", "--steps", "100", "--valid", "1000"]' \
     --set experiment.output_dir="$work/runs" > mlp.out 2>&1) || { cat "$work/mlp.out"; exit 1; }
  grep -q "4 ok" "$work/mlp.out" || { echo "FAIL: not 4 ok trials of the mlp space"; cat "$work/mlp.out"; exit 1; }
  points=$("$automl" export "$work/runs/mlp" --format curves | grep -c ',valid_acc,' || true)
  [ "$points" -eq 4 ] || { echo "FAIL: $points learning-curve points of valid_acc, expected 4 (one per trial)"; exit 1; }
  grep "best" "$work/mlp.out" | tail -1
else
  echo "mlp run SKIPPED: /usr/bin/python3 cannot import torch or dataset-fashion-mnist is absent"
fi
if [ ! -f "$example/../../../../shared/data/nasbench201/nb201.csv" ]; then
  echo "built, listed and checked; run SKIPPED: the NAS-Bench-201 table beside the checkout is absent"; exit 0
fi
cd "$work"
"$automl" run "$example/local_search/experiment.toml" \
  --set experiment.budget_trials=30 --set experiment.output_dir="$work/runs" > run.out 2> run.err \
  || { cat run.err; exit 1; }
grep -q "30 ok" run.out || { echo "FAIL: unexpected run summary"; cat run.out; exit 1; }
echo "out-of-tree plugins built with find_package(automl), loaded, checked and run"
