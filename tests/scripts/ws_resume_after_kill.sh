#!/usr/bin/env bash
# kill -9 a weight-sharing search while its supernet trains, `automl resume`
# it, and check that it continued from the last finished epoch (not from the
# start of the round) and ends with the scores of an uninterrupted run.
# usage: ws_resume_after_kill.sh AUTOML WORK_DIR   (exit 77: no Fashion-MNIST)
set -euo pipefail
automl=$1 work=$2
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || {
  echo "SKIPPED: /usr/share/datasets/fashion-mnist is absent (apt-get install dataset-fashion-mnist)"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMP_NUM_THREADS=1 AUTOML_PLUGIN_PATH=

cat > exp.toml <<TOML
[experiment]
name = "killed"
seed = 4
budget_trials = 4

[dataset]
type = "fashion_mnist"
valid_count = 500

[search_space]
type = "nasnet_cnn"

[strategy]
type = "random"

[evaluator]
type = "weight_sharing"
layers = 1
channels = 6
epochs_per_round = 2
total_epochs = 8
steps_per_epoch = 12
eval_batch_size = 250
TOML

"$automl" run exp.toml > run.log 2>&1 &
pid=$!
for _ in $(seq 1200); do
  grep -q "supernet epoch 3/8" runs/killed/log.txt 2>/dev/null && break
  sleep 0.05
done
sleep 0.3  # inside epoch 4, the second epoch of the second round
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
grep -q "supernet epoch 3/8" runs/killed/log.txt || { echo "FAIL: the run never reached epoch 3"; cat run.log; exit 1; }
if grep -q "supernet epoch 4/8" runs/killed/log.txt; then
  echo "FAIL: the kill came too late (epoch 4 finished)"; exit 1
fi

"$automl" resume runs/killed > resume.log 2>&1
# The resumed process starts with epoch 4: epochs 1-3 are not trained again.
first=$(grep -o "supernet epoch [0-9]*/8" runs/killed/log.txt | sed -n '4p')
[ "$first" = "supernet epoch 4/8" ] || { echo "FAIL: after the resume the first epoch was '$first'"; exit 1; }
[ "$(grep -c 'supernet epoch 3/8' runs/killed/log.txt)" -eq 1 ] || { echo "FAIL: epoch 3 was trained twice"; exit 1; }

sed -i 's/name = "killed"/name = "whole"/' exp.toml
"$automl" run exp.toml > whole.log 2>&1
"$automl" export runs/killed --format csv | cut -d, -f1,3,4 > a.txt
"$automl" export runs/whole --format csv | cut -d, -f1,3,4 > b.txt
[ "$(wc -l < a.txt)" -eq 5 ] || { echo "FAIL: $(wc -l < a.txt) rows after resume"; cat a.txt; exit 1; }
if ! diff -q a.txt b.txt > /dev/null; then
  echo "FAIL: the resumed search differs from an uninterrupted one"; diff a.txt b.txt | head; exit 1
fi
echo "weight sharing, kill -9 during supernet epoch 4: resumed at epoch 4, same scores as an uninterrupted run"
