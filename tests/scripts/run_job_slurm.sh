#!/usr/bin/env bash
# A run whose evaluator keeps its trials in one process (weight sharing;
# here the test evaluator with one_process = true) under [launcher] type =
# "slurm" is one Slurm job as a whole: the same trials as the local run;
# the host killed with kill -9 and resumed re-attaches to the job (nothing
# submitted twice); automl cancel cancels the job and resume submits it
# again. Needs a running Slurm (scripts/slurm-start.sh; CI starts one);
# skipped with a message without one.
# Usage: run_job_slurm.sh AUTOML TEST_PLUGIN_DIR WORK_DIR
set -uo pipefail
automl=$1 plugins=$2 work=$3
source "$(dirname "$0")/slurm_test_lib.sh"
slurm_test_setup "a run as one job" "$automl" "$plugins" "$work"

cat > exp.toml <<TOML
[experiment]
seed = 5
budget_trials = 8
output_dir = "$work/runs"
[search_space]
type = "nasbench201"
[strategy]
type = "regularized_evolution"
population = 4
sample_size = 2
[evaluator]
type = "scripted"
one_process = true
TOML
trials() { "$automl" export "$1" --format csv | cut -d, -f1-5; }
S=(--set launcher.type=slurm --set launcher.poll_seconds=0.2)
submits() { ls "$1/launch" | grep -c 'run-submit-.*sbatch'; }

"$automl" run exp.toml --set experiment.name=local > local.txt 2>&1 || fail "local run: $(cat local.txt)"
trials runs/local > local.csv
[ "$(grep -c ',ok,' local.csv)" = 8 ] || fail "local run: $(cat local.csv)"

"$automl" check exp.toml "${S[@]}" > check.txt 2>&1 || fail "check: $(cat check.txt)"
grep -q "the whole run is one Slurm job" check.txt || fail "check does not say the run is one job: $(cat check.txt)"
"$automl" run exp.toml --set experiment.name=job "${S[@]}" > job.txt 2>&1 || fail "run as a job exited $?: $(cat job.txt)"
grep -q "the whole run is one Slurm job" job.txt || fail "the run did not say it is one job: $(cat job.txt)"
trials runs/job | diff - local.csv > /dev/null || fail "the run as one job differs from the local run"
[ "$(submits runs/job)" = 1 ] || fail "not one job script: $(ls runs/job/launch)"
grep -q "run-job" runs/job/launch/run-submit-0.sbatch || fail "the job script does not run automl run-job"
ls runs/job/launch/slurm-*.log > /dev/null || fail "no job log"
echo "a run that keeps its trials in one process ran as one Slurm job, equal to the local run"

# kill -9 of the host while the job runs; resume re-attaches.
"$automl" run exp.toml --set experiment.name=jobkill --set evaluator.delay_ms=400 "${S[@]}" > kill-1.txt 2>&1 &
host=$!
for _ in $(seq 1 200); do grep -q "Slurm job array" kill-1.txt && break; sleep 0.05; done
grep -q "Slurm job array" kill-1.txt || fail "kill: nothing submitted: $(cat kill-1.txt)"
sleep 1
kill -9 "$host"
wait "$host" 2>/dev/null
"$automl" resume runs/jobkill > kill-2.txt 2>&1 || fail "kill: resume exited $?: $(cat kill-2.txt)"
grep -q "re-attached" kill-2.txt || fail "kill: resume did not re-attach: $(cat kill-2.txt)"
[ "$(submits runs/jobkill)" = 1 ] || fail "kill: submitted twice: $(ls runs/jobkill/launch)"
trials runs/jobkill | diff - local.csv > /dev/null || fail "kill: the resumed run differs from the local run"
echo "a killed host re-attaches to the run's job; nothing submitted twice"

# automl cancel: the host stops, the job is cancelled; resume submits it again.
"$automl" run exp.toml --set experiment.name=jobcancel --set evaluator.delay_ms=400 "${S[@]}" > cancel-1.txt 2>&1 &
host=$!
for _ in $(seq 1 200); do grep -q "Slurm job array" cancel-1.txt && break; sleep 0.05; done
"$automl" cancel runs/jobcancel > cancel.txt 2>&1 || fail "automl cancel exited $?: $(cat cancel.txt)"
wait "$host"
grep -q "cancelled Slurm task" cancel.txt || fail "automl cancel cancelled nothing: $(cat cancel.txt)"
for _ in $(seq 1 100); do squeue -h -n automl-jobcancel -t PD,R,CG | grep -q . || break; sleep 0.1; done
squeue -h -n automl-jobcancel -t PD,R | grep -q . && fail "the cancelled run's job is still queued: $(squeue)"
"$automl" resume runs/jobcancel > cancel-2.txt 2>&1 || fail "resume after cancel exited $?: $(cat cancel-2.txt)"
[ "$(submits runs/jobcancel)" = 2 ] || fail "cancel: resume did not submit the job again: $(ls runs/jobcancel/launch)"
trials runs/jobcancel | diff - local.csv > /dev/null || fail "cancel: the resumed run differs from the local run"
echo "automl cancel cancels the run's job; resume submits it again and the run ends as the local one"
