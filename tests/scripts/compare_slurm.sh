#!/usr/bin/env bash
# automl compare with [launcher] type = "slurm": 2 variants x 3 seeds as one
# Slurm job array give the same runs (trials, scores, order) as the local
# comparison; the comparison's host killed with kill -9 while its tasks run
# and started again re-attaches (nothing submitted twice); automl cancel of
# a comparison directory cancels its tasks. Needs a running Slurm
# (scripts/slurm-start.sh; CI starts one); skipped with a message without.
# Usage: compare_slurm.sh AUTOML TEST_PLUGIN_DIR WORK_DIR
set -uo pipefail
automl=$1 plugins=$2 work=$3
source "$(dirname "$0")/slurm_test_lib.sh"
slurm_test_setup "compare on Slurm" "$automl" "$plugins" "$work"

cat > exp.toml <<TOML
[experiment]
seed = 0
budget_trials = 10
[search_space]
type = "nasbench201"
[strategy]
type = "random"
[evaluator]
type = "scripted"
delay_ms = 100
TOML

comparison() {  # NAME LAUNCHER_TABLE
  cat > "$1.toml" <<TOML
[comparison]
experiment = "exp.toml"
seeds = 3
output_dir = "$work/comparisons"
[variants.random]
[variants.evolution.strategy]
type = "regularized_evolution"
population = 4
sample_size = 2
$2
TOML
}
comparison local ""
comparison slurm $'[launcher]\ntype = "slurm"\npoll_seconds = 0.2'
trials() { "$automl" export "$1" --format csv | cut -d, -f1-5; }

"$automl" compare local.toml > local.txt 2>&1 || fail "local comparison: $(cat local.txt)"
"$automl" compare --check slurm.toml | grep -q "runs go to Slurm" || fail "check does not say where runs go"
"$automl" compare slurm.toml > slurm.txt 2>&1 || fail "Slurm comparison exited $?: $(cat slurm.txt)"
grep -q "as Slurm tasks" slurm.txt || fail "the comparison did not use Slurm: $(cat slurm.txt)"
grep -q "6 of 6 runs finished, 0 failed" slurm.txt || fail "Slurm comparison: $(cat slurm.txt)"
for v in random evolution; do
  for s in 0 1 2; do
    trials "comparisons/local/runs/$v/seed-$s" > a.csv
    trials "comparisons/slurm/runs/$v/seed-$s" > b.csv
    [ "$(wc -l < a.csv)" = 11 ] || fail "local $v seed $s: $(cat a.csv)"
    diff a.csv b.csv > /dev/null || fail "$v seed $s differs between the local and the Slurm comparison"
  done
done
[ "$(ls comparisons/slurm/launch | grep -c 'runs-submit-.*sbatch')" = 1 ] || fail "not one job script: $(ls comparisons/slurm/launch)"
ls comparisons/slurm/launch/slurm-*.log > /dev/null || fail "no task logs in the comparison's launch folder"
imported() { grep -oE '[a-z]+ seed [0-9]+: best [^,]* after [0-9]+ trials' "$1" | sort; }
[ "$(imported local.txt | wc -l)" = 6 ] || fail "local comparison: not 6 runs imported: $(cat local.txt)"
imported local.txt | diff - <(imported slurm.txt) > /dev/null || fail "compare.db imports differ: $(cat local.txt slurm.txt)"
echo "compare on Slurm: 6 runs equal the local comparison's"

# kill -9 of the comparison's host while its tasks run; started again, it
# re-attaches and submits nothing twice.
comparison cmpkill $'[launcher]\ntype = "slurm"\npoll_seconds = 0.2'
sed -i 's/^seeds = 3/seeds = 2/' cmpkill.toml
sed 's/delay_ms = 100/delay_ms = 400/' exp.toml > slow.toml
sed -i 's/experiment = "exp.toml"/experiment = "slow.toml"/' cmpkill.toml
"$automl" compare cmpkill.toml > kill-1.txt 2>&1 &
host=$!
for _ in $(seq 1 200); do grep -q "Slurm job array" kill-1.txt && break; sleep 0.05; done
grep -q "Slurm job array" kill-1.txt || fail "kill: nothing submitted: $(cat kill-1.txt)"
sleep 1
kill -9 "$host"
wait "$host" 2>/dev/null
"$automl" compare cmpkill.toml > kill-2.txt 2>&1 || fail "kill: the restarted comparison exited $?: $(cat kill-2.txt)"
grep -q "re-attached" kill-2.txt || fail "kill: the restarted comparison did not re-attach: $(cat kill-2.txt)"
[ "$(ls comparisons/cmpkill/launch | grep -c 'runs-submit-.*sbatch')" = 1 ] || fail "kill: submitted twice: $(ls comparisons/cmpkill/launch)"
grep -q "4 of 4 runs finished, 0 failed" kill-2.txt || fail "kill: $(cat kill-2.txt)"
for v in random evolution; do
  for s in 0 1; do
    trials "comparisons/cmpkill/runs/$v/seed-$s" | diff - <(trials "comparisons/local/runs/$v/seed-$s") > /dev/null \
      || fail "kill: $v seed $s differs from the local run"
  done
done
echo "compare on Slurm: a killed host re-attaches; nothing submitted twice"

# automl cancel COMPARISON_DIR: the host stops, the tasks are cancelled.
comparison cmpcancel $'[launcher]\ntype = "slurm"\npoll_seconds = 0.2'
sed -i 's/experiment = "exp.toml"/experiment = "slow.toml"/' cmpcancel.toml
"$automl" compare cmpcancel.toml > cancel-1.txt 2>&1 &
host=$!
for _ in $(seq 1 200); do grep -q "Slurm job array" cancel-1.txt && break; sleep 0.05; done
"$automl" cancel comparisons/cmpcancel > cancel.txt 2>&1 || fail "automl cancel exited $?: $(cat cancel.txt)"
wait "$host"
grep -q "cancelled Slurm task" cancel.txt || fail "automl cancel cancelled nothing: $(cat cancel.txt)"
for _ in $(seq 1 100); do squeue -h -n automl-cmpcancel -t PD,R,CG | grep -q . || break; sleep 0.1; done
squeue -h -n automl-cmpcancel -t PD,R | grep -q . && fail "tasks of the cancelled comparison are still queued: $(squeue)"
echo "compare on Slurm: automl cancel stops the comparison and its tasks"
