#!/usr/bin/env bash
# The process and slurm launchers against the local one: the same trials
# (architectures, scores, order) for the same seed; a trial that segfaults
# fails alone, or is retried per max_retries; a host killed with kill -9 and
# resumed re-attaches (nothing lost, nothing started twice); a task cancelled
# with scancel fails alone; `automl cancel`; a missing sbatch and a job sbatch
# refuses get clear messages. The Slurm part needs a running Slurm
# (scripts/slurm-start.sh; CI starts one) and is skipped with a message
# without one.
# Usage: launchers.sh AUTOML TEST_PLUGIN_DIR WORK_DIR [process|slurm]
set -uo pipefail
automl=$1 plugins=$2 work=$3 only=${4:-}
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export AUTOML_PLUGIN_PATH="$plugins" OMP_NUM_THREADS=1

fail() { echo "FAIL: $*"; exit 1; }

cat > exp.toml <<TOML
[experiment]
seed = 3
budget_trials = 8
parallel_trials = 2
threads = 2
output_dir = "$work/runs"
[search_space]
type = "nasbench201"
[strategy]
type = "regularized_evolution"
population = 4
sample_size = 2
[evaluator]
type = "scripted"
TOML

# id, round, status, score, arch of every trial
trials() { "$automl" export "$1" --format csv | cut -d, -f1-5; }
run() {  # NAME SET...
  local name=$1; shift
  "$automl" run exp.toml --set experiment.name="$name" "$@" > "$name.txt" 2>&1
}

run local || fail "local run: $(cat local.txt)"
trials runs/local > local.csv
grep -c ",ok," local.csv | grep -qx 8 || fail "local run: not 8 ok trials: $(cat local.csv)"

launcher_checks() {  # TYPE EXTRA_SET...
  local type=$1; shift
  local L=(--set launcher.type="$type" "$@")
  run "$type" "${L[@]}" || fail "$type run exited $?: $(cat "$type.txt")"
  trials "runs/$type" > "$type.csv"
  diff local.csv "$type.csv" > /dev/null || fail "$type run differs from the local one: $(diff local.csv "$type.csv")"
  "$automl" show "runs/$type" > show.txt
  grep -q "launched   $type: 8 DONE" show.txt || fail "show of the $type run: $(cat show.txt)"

  # Trials 3 and 6 segfault: they fail alone, with the signal and the log.
  run "$type-crash" "${L[@]}" --set evaluator.crash_every=3
  trials "runs/$type-crash" > crash.csv
  [ "$(grep -c ',failed,' crash.csv)" = 2 ] || fail "$type: expected trials 3 and 6 to fail: $(cat crash.csv)"
  "$automl" export "runs/$type-crash" --format csv | grep "^3," > t3.csv
  if [ "$type" = process ]; then
    grep -q "signal 11" t3.csv || fail "process: the crashed trial does not name signal 11: $(cat t3.csv)"
  else
    grep -q "ended FAILED (exit code 0:11)" t3.csv || fail "slurm: the crashed trial does not name its state: $(cat t3.csv)"
  fi
  grep -q "its output: /" t3.csv || fail "$type: the crashed trial does not name its log: $(cat t3.csv)"
  # Their rows aside, the other trials are those of the local run up to the
  # first tell that differs (the strategy saw failures): round 0 is equal.
  grep "^[01]," crash.csv | diff - <(grep "^[01]," local.csv) > /dev/null || fail "$type: trials 0-1 differ after crashes"

  # Crashing once, retried once: every trial ok and the same as local.
  run "$type-retry" "${L[@]}" --set evaluator.crash_every=3 --set evaluator.crash_once=true --set launcher.max_retries=1 \
    || fail "$type retry run: $(cat "$type-retry.txt")"
  trials "runs/$type-retry" | diff - local.csv > /dev/null || fail "$type: the retried run differs from the local one"
  "$automl" show "runs/$type-retry" | grep -q "(2 retried)" || fail "$type: show does not count the retries"

  # kill -9 of the host while trials run; resume: nothing lost, nothing run twice.
  "$automl" run exp.toml --set experiment.name="$type-kill" "${L[@]}" --set evaluator.delay_ms=1500 > kill.txt 2>&1 &
  local host=$!
  for _ in $(seq 1 100); do
    [ -n "$(ls runs/"$type-kill"/launch/trial-2.task.json 2>/dev/null)" ] && break
    sleep 0.1
  done
  sleep 0.5
  kill -9 "$host"
  wait "$host" 2>/dev/null
  "$automl" resume "runs/$type-kill" > resume.txt 2>&1 || fail "$type: resume after kill -9: $(cat resume.txt)"
  trials "runs/$type-kill" | diff - local.csv > /dev/null || fail "$type: the killed and resumed run differs from the local one"
  grep -q "re-attached" resume.txt || fail "$type: resume did not re-attach to the killed host's trials: $(cat resume.txt)"
  if [ "$type" = process ]; then
    ls runs/"$type-kill"/launch/ | grep -q "attempt-1" && fail "process: a trial ran twice: $(ls runs/"$type-kill"/launch)"
  else
    [ "$(ls runs/"$type-kill"/launch/ | grep -c 'round-2-submit')" = 1 ] || fail "slurm: a round was submitted twice: $(ls runs/"$type-kill"/launch)"
  fi
  echo "$type: same trials as local; crashes fail alone (or are retried); kill -9 and resume re-attach"
}

if [ "$only" != slurm ]; then
  launcher_checks process
  # Device slots: each trial process is given the device of the slot it
  # holds (two "cpu" slots here) and says so; the trials stay the same.
  run process-slots --set launcher.type=process --set 'experiment.devices=["cpu", "cpu"]' \
    || fail "process run with two device slots: $(cat process-slots.txt)"
  trials runs/process-slots > slots.csv
  diff local.csv slots.csv > /dev/null || fail "two device slots changed the trials: $(diff local.csv slots.csv)"
  n=$(grep -l "^trial [0-9]* of .* (PID [0-9]*, cpu): " runs/process-slots/launch/trial-*-attempt-0.log | wc -l)
  [ "$n" = 8 ] || fail "process: $n of 8 trial logs name their device: $(cat runs/process-slots/launch/trial-0-attempt-0.log)"
fi
[ "$only" = process ] && exit 0

if ! command -v sbatch > /dev/null || ! sinfo -h > /dev/null 2>&1; then
  echo "SKIP: no Slurm answers here (start one with scripts/slurm-start.sh as root); the slurm launcher was not tested"
  exit 77
fi
launcher_checks slurm --set launcher.poll_seconds=0.2

# A task cancelled with scancel fails alone.
"$automl" run exp.toml --set experiment.name=scancel --set launcher.type=slurm --set launcher.poll_seconds=0.2 \
  --set evaluator.delay_ms=2000 --set experiment.budget_trials=2 > scancel.txt 2>&1 &
host=$!
job=""
for _ in $(seq 1 100); do
  job=$(grep -o "Slurm job array [0-9]*" scancel.txt | head -n 1 | grep -o "[0-9]*$")
  [ -n "$job" ] && squeue -h -j "$job" -t R 2>/dev/null | grep -q . && break
  sleep 0.1
done
[ -n "$job" ] || fail "scancel: the run submitted no job: $(cat scancel.txt)"
scancel "${job}_1"
wait "$host" || fail "scancel: the run exited $?: $(cat scancel.txt)"
"$automl" export runs/scancel --format csv > scancel.csv
grep -q "^0,0,ok," scancel.csv || fail "scancel: trial 0 did not finish: $(cat scancel.csv)"
grep "^1," scancel.csv | grep -q "ended CANCELLED" || fail "scancel: trial 1 is not failed as CANCELLED: $(cat scancel.csv)"

# automl cancel: the host stops, its jobs are cancelled; resume finishes the run.
"$automl" run exp.toml --set experiment.name=cancel --set launcher.type=slurm --set launcher.poll_seconds=0.2 \
  --set evaluator.delay_ms=3000 > cancel-run.txt 2>&1 &
host=$!
for _ in $(seq 1 100); do grep -q "Slurm job array" cancel-run.txt && break; sleep 0.1; done
"$automl" cancel runs/cancel > cancel.txt 2>&1 || fail "automl cancel exited $?: $(cat cancel.txt)"
wait "$host"
grep -q "cancelled Slurm task" cancel.txt || fail "automl cancel cancelled nothing: $(cat cancel.txt)"
squeue -h -n automl-cancel -t PD,R | grep -q . && fail "jobs of the cancelled run are still queued: $(squeue)"
"$automl" resume runs/cancel --set evaluator.delay_ms=0 > /dev/null 2>&1 && fail "resume accepted an evaluator change"
"$automl" resume runs/cancel > cancel-resume.txt 2>&1 || fail "resume after cancel: $(cat cancel-resume.txt)"
trials runs/cancel | diff - local.csv > /dev/null || fail "the cancelled and resumed run differs from the local one"

# No sbatch on PATH, and a job sbatch refuses: messages that say what to do.
PATH=/nonexistent "$automl" check exp.toml --set launcher.type=slurm > nosbatch.txt 2>&1 && fail "check without sbatch passed"
grep -q "sbatch is not on PATH" nosbatch.txt || fail "no sbatch: $(cat nosbatch.txt)"
run refused --set launcher.type=slurm --set launcher.partition=nosuch && fail "a refused job did not fail the run"
grep -q "sbatch refused the job script" refused.txt || fail "refused job: $(cat refused.txt)"
grep -qi "invalid partition" refused.txt || fail "refused job: sbatch's own words are missing: $(cat refused.txt)"
echo "slurm: scancel fails one trial; automl cancel stops the run and its jobs; no sbatch and a refused job are explained"
