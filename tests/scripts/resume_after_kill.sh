#!/usr/bin/env bash
# kill -9 a run in the middle, `automl resume` it, and check that nothing
# finished was lost or redone and that the result equals an uninterrupted run.
# With STRATEGY = hyperband the run is a Hyperband search over the test
# evaluator's fidelities 1 ... 27, killed in the middle of a bracket: every
# trial keeps its fidelity, and the promotions after the resume are those of
# an uninterrupted run.
# usage: resume_after_kill.sh AUTOML TEST_PLUGIN_DIR WORK_DIR [STRATEGY]
set -euo pipefail
automl=$1 plugins=$2 work=$3 strategy=${4:-regularized_evolution}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMP_NUM_THREADS=1 AUTOML_PLUGIN_PATH=

cat > exp.toml <<TOML
[experiment]
name = "killed"
seed = 11
budget_trials = 40
parallel_trials = 2
threads = 2
plugin_paths = ["$plugins"]

[search_space]
type = "nasbench201"

TOML
if [ "$strategy" = hyperband ]; then
  # 27 + 9 + 3 + 1 trials in the first bracket (s = 3), then 12 + 4 ... of the next.
  printf '[strategy]\ntype = "hyperband"\neta = 3\n\n[evaluator]\ntype = "scripted"\ndelay_ms = 100\nmax_fidelity = 27\n' >> exp.toml
else
  printf '[strategy]\ntype = "regularized_evolution"\npopulation = 6\nsample_size = 2\n\n[evaluator]\ntype = "scripted"\ndelay_ms = 150\n' >> exp.toml
fi

finished() { "$automl" export runs/killed --format csv 2>/dev/null | grep -c ',ok,' || true; }

"$automl" run exp.toml > run.log 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ -f runs/killed/results.db ] && [ "$(finished)" -ge 10 ] && break
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
before=$(finished)
if [ "$before" -ge 40 ] || [ "$before" -lt 1 ]; then
  echo "FAIL: the run was not killed mid-way ($before trials finished)"; exit 1
fi
"$automl" export runs/killed --format csv | grep ',ok,' | cut -d, -f1,4,5,9,11 > before.csv

"$automl" resume runs/killed > resume.log 2>&1
"$automl" export runs/killed --format csv | tail -n +2 > after_all.csv
grep ',ok,' after_all.csv | cut -d, -f1,4,5,9,11 > after.csv
total=$(wc -l < after_all.csv)
ok=$(wc -l < after.csv)
[ "$total" -eq 40 ] || { echo "FAIL: $total trials after resume, expected 40"; exit 1; }
[ "$ok" -eq 40 ] || { echo "FAIL: $ok ok trials after resume, expected 40"; cat resume.log; exit 1; }
# Every trial finished before the kill is unchanged (same id, score, arch, time stamp).
if ! grep -qxFf before.csv after.csv || [ "$(grep -cxFf before.csv after.csv)" -ne "$before" ]; then
  echo "FAIL: trials finished before the kill changed or vanished"; exit 1
fi

# The same experiment without interruption gives the same trials.
sed -i 's/name = "killed"/name = "whole"/' exp.toml
"$automl" run exp.toml > whole.log 2>&1
cut -d, -f1,2,3,5 after.csv > a.txt
"$automl" export runs/whole --format csv | grep ',ok,' | cut -d, -f1,4,5,11 > b.txt
if ! diff -q a.txt b.txt > /dev/null; then
  echo "FAIL: the resumed run differs from an uninterrupted one"; diff a.txt b.txt | head; exit 1
fi
if [ "$strategy" = hyperband ]; then
  # The first bracket's rungs: 27 trials at fidelity 1, 9 at 3, 3 at 9, 1 at 27.
  rungs=$(head -40 a.txt | cut -d, -f4 | sort -n | uniq -c | awk '{printf "%s@%s ", $1, $2}')
  [ "$rungs" = "27@1 9@3 3@9 1@27 " ] || { echo "FAIL: first bracket $rungs, expected 27@1 9@3 3@9 1@27"; exit 1; }
fi
echo "resume after kill -9 ($strategy): $before of 40 trials were done at the kill; none lost, none redone; identical to an uninterrupted run"
