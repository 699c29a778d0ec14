#!/usr/bin/env bash
# A seeded campaign of kill -9s: a tabular-style run (test evaluator), a
# weight-sharing search (kills inside supernet epochs and inside scoring) and
# a comparison are each killed again and again at random moments, resumed
# each time, and must end with exactly the trials of an uninterrupted run.
# usage: kill_matrix.sh AUTOML TEST_PLUGIN_DIR WORK_DIR [SEED]
set -uo pipefail
automl=$1 test_plugins=$2 work=$3
RANDOM=${4:-2026}  # every kill moment follows from it
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export OMP_NUM_THREADS=1 AUTOML_PLUGIN_PATH="$test_plugins"
kills=0

fail() { echo "FAIL: $*"; exit 1; }

# The trials of a run without their times: id, round, status, score, arch, seed.
trials_of() { "$automl" export "$1" --format csv | cut -d, -f1-6; }

# Runs COMMAND... and kills it with -9 (timeout --foreground -s KILL) after DELAY seconds.
# Returns 0 when it finished by itself first, 1 when the kill landed, 2 when
# it failed by itself (the log says why).
run_and_kill() {
  local delay=$1
  shift
  timeout --foreground -s KILL "$delay" "$@" >> "$log" 2>&1
  local code=$?
  [ "$code" -eq 0 ] && return 0
  [ "$code" -eq 137 ] && { kills=$((kills + 1)); return 1; }
  return 2
}

# One step of a run that may have been killed: resume it, or start it afresh
# when a kill came before its database held the experiment.
step() {
  local delay=$1 exp=$2 name=$3 dir=runs/$3
  if [ -f "$dir/results.db" ]; then
    run_and_kill "$delay" "$automl" resume "$dir"
    local code=$?
    [ "$code" -ne 2 ] && return "$code"
    grep -q "never started" "$log" || fail "$name: resume failed: $(tail -3 "$log")"
  fi
  rm -rf "$dir"
  run_and_kill "$delay" "$automl" run "$exp" --set "experiment.name=\"$name\""
  local code=$?
  [ "$code" -eq 2 ] && fail "$name: start failed: $(tail -3 "$log")"
  return "$code"
}

# Starts EXPERIMENT as run NAME and kills it COUNT times, each at a random
# moment within MAX_MS milliseconds of its (re)start; then lets it finish.
killed_run() {
  local exp=$1 name=$2 count=$3 max_ms=$4
  log=$name.log
  for _ in $(seq "$count"); do
    step "$(awk -v ms=$((RANDOM % max_ms + 50)) 'BEGIN { printf "%.3f", ms / 1000 }')" "$exp" "$name" && return
  done
  step 600 "$exp" "$name" || fail "$name: the last step did not finish"
}

# 1. A run whose trials take 40 ms each: kills land between and inside trials.
cat > tabular.toml <<TOML
[experiment]
seed = 11
budget_trials = 60
parallel_trials = 2
threads = 2
[search_space]
type = "nasbench201"
[strategy]
type = "regularized_evolution"
population = 8
sample_size = 3
[evaluator]
type = "scripted"
delay_ms = 40
TOML
"$automl" run tabular.toml --set 'experiment.name="whole_tabular"' > whole_tabular.log 2>&1 || fail "uninterrupted run"
killed_run tabular.toml killed_tabular 10 400
tabular_kills=$kills
trials_of runs/killed_tabular > a.txt
trials_of runs/whole_tabular > b.txt
[ "$(wc -l < a.txt)" -eq 61 ] || fail "tabular: $(wc -l < a.txt) rows after the kills"
diff -q a.txt b.txt > /dev/null || { diff a.txt b.txt | head; fail "tabular: the killed run differs"; }

# 2. Weight sharing on Fashion-MNIST: supernet epochs and scoring both take
# a while, so kills fall into both.
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  cat > ws.toml <<TOML
[experiment]
seed = 4
budget_trials = 12
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
channels = 4
epochs_per_round = 1
total_epochs = 6
steps_per_epoch = 6
batch_size = 16
eval_batch_size = 100
eval_batches = 2
TOML
  "$automl" run ws.toml --set 'experiment.name="whole_ws"' > whole_ws.log 2>&1 || fail "uninterrupted weight-sharing run"
  before=$kills
  killed_run ws.toml killed_ws 6 4000
  trials_of runs/killed_ws > a.txt
  trials_of runs/whole_ws > b.txt
  [ "$(wc -l < a.txt)" -eq 13 ] || fail "weight sharing: $(wc -l < a.txt) rows after the kills"
  diff -q a.txt b.txt > /dev/null || { diff a.txt b.txt | head; fail "weight sharing: the killed run differs"; }
  ws="$((kills - before)) weight-sharing"
else
  echo "SKIPPED the weight-sharing part: /usr/share/datasets/fashion-mnist is absent"
  ws="no weight-sharing (no Fashion-MNIST)"
fi

# 3. A comparison (2 variants x 3 seeds), killed while its runs are forked.
cat > cmp.toml <<TOML
[comparison]
experiment = "tabular.toml"
seeds = 3
budget_trials = 30
jobs = 2
[variants.rea]
[variants.random.strategy]
type = "random"
TOML
sed -e '/population/d' -e '/sample_size/d' -e 's/regularized_evolution/random/' tabular.toml > random.toml
log=cmp.log
before=$kills
for _ in 1 2 3 4; do
  run_and_kill "$(awk -v ms=$((RANDOM % 900 + 100)) 'BEGIN { printf "%.3f", ms / 1000 }')" "$automl" compare cmp.toml
  code=$?
  [ "$code" -eq 0 ] && break
  [ "$code" -eq 2 ] && fail "comparison failed: $(tail -3 cmp.log)"
done
"$automl" compare cmp.toml >> cmp.log 2>&1 || fail "comparison: the last start failed: $(tail -3 cmp.log)"
for variant in rea random; do
  exp=tabular.toml
  [ "$variant" = random ] && exp=random.toml
  for seed in 0 1 2; do
    run=comparisons/cmp/runs/$variant/seed-$seed
    [ -f "$run/results.db" ] || fail "comparison: $run is missing"
    "$automl" run "$exp" --set "experiment.name=\"alone_${variant}_$seed\"" --set "experiment.seed=$seed" \
      --set experiment.budget_trials=30 > /dev/null 2>&1 || fail "comparison: $variant seed $seed alone failed"
    trials_of "$run" > a.txt
    trials_of "runs/alone_${variant}_$seed" > b.txt
    diff -q a.txt b.txt > /dev/null || { diff a.txt b.txt | head; fail "comparison: $variant seed $seed differs"; }
  done
done
[ "$kills" -ge 20 ] || fail "only $kills kills landed; the campaign needs 20"
echo "kill matrix: $kills kill -9s ($tabular_kills in a run, $ws, $((kills - before)) in a comparison) at seeded" \
  "random moments; every run ends as an uninterrupted one"
