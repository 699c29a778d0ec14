#!/usr/bin/env bash
# A plugin whose own code crashes (its register function executes an illegal
# instruction): `automl list` still lists it and an experiment that does not
# use it checks and runs; only a command that uses it (describe) dies.
# Usage: crashing_plugin.sh AUTOML TRAP_PLUGIN_DIR TEST_PLUGIN_DIR WORK_DIR
set -uo pipefail
automl=$1 trap_dir=$2 test_plugins=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
export AUTOML_PLUGIN_PATH="$trap_dir:$test_plugins" OMP_NUM_THREADS=1

fail() { echo "FAIL: $*"; exit 1; }

"$automl" list > list.txt 2>&1 || fail "automl list exited $? with the crashing plugin on the path: $(cat list.txt)"
grep -q "^  trap .*strategy_trap.so" list.txt || fail "automl list does not show the plugin: $(cat list.txt)"

cat > exp.toml <<TOML
[experiment]
budget_trials = 4
output_dir = "runs"
[search_space]
type = "nasbench201"
[strategy]
type = "random"
[evaluator]
type = "scripted"
TOML
"$automl" check exp.toml > check.txt 2>&1 || fail "check of an experiment not using it exited $?: $(cat check.txt)"
"$automl" run exp.toml > run.txt 2>&1 || fail "run of an experiment not using it exited $?: $(cat run.txt)"
grep -q "4 ok, 0 failed" run.txt || fail "the run did not finish its trials: $(cat run.txt)"

# The plugin really is broken: using it runs its code, which traps.
"$automl" describe strategy trap > describe.txt 2>&1
code=$?
[ "$code" -ge 128 ] || fail "describe of the crashing plugin exited $code; expected death by a signal"
echo "crashing plugin: listed, unused experiment ran (4 trials), describe died with signal $((code - 128))"
