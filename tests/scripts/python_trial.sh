#!/usr/bin/env bash
# share/examples/python_trial at a tiny budget: train.py (Debian's
# python3-torch) trains NAS-Bench-201 cells on Fashion-MNIST for the command
# evaluator, searched by regularized evolution and by NAO unchanged.
# Skips (77) without python3-torch or the dataset.
# usage: python_trial.sh AUTOML EXAMPLE_DIR WORK_DIR
set -euo pipefail
automl=$1 example=$2 work=$3
if ! /usr/bin/python3 -c 'import torch' 2> /dev/null; then
  echo "SKIPPED: /usr/bin/python3 cannot import torch (apt-get install python3-torch)"; exit 77
fi
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo "SKIPPED: /usr/share/datasets/fashion-mnist is absent (apt-get install dataset-fashion-mnist)"; exit 77
fi
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMP_NUM_THREADS=1 AUTOML_PLUGIN_PATH=
for exp in evolution nao; do
  "$automl" run "$example/$exp.toml" --set experiment.budget_trials=4 \
      --set 'evaluator.command=["/usr/bin/python3", "train.py", "--steps", "40", "--valid", "500"]' \
      --set experiment.output_dir="$work/runs" > "$exp.log" 2>&1 || { cat "$exp.log"; echo "FAIL: $exp"; exit 1; }
  ok=$("$automl" export "$work/runs/$exp" --format csv | grep -c ',ok,' || true)
  [ "$ok" -eq 4 ] || { cat "$exp.log"; echo "FAIL: $exp: $ok of 4 trials succeeded"; exit 1; }
  grep "best" "$exp.log" | tail -1
done
# Accuracies are real: better than chance (10%) after 40 steps.
"$automl" export "$work/runs/evolution" --format json | python3 -c '
import json, sys
best = max(t["score"] for t in json.load(sys.stdin) if t["score"] is not None)
assert best > 30, best
print("best validation accuracy after 40 steps: %.1f%%" % best)'
