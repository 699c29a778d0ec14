#!/usr/bin/env bash
# The command evaluator end to end: trial.json and the AUTOML_* variables
# reach the user's script, its result.json becomes the trial's metrics; each
# failure (non-zero exit, signal, timeout, no or malformed result.json, no
# score metric, NaN score) fails only its trial with a message that quotes
# the script's stderr; a timeout kills the whole process group; Ctrl-C and
# kill -9 in the middle of a trial leave nothing running, and the resumed
# run evaluates the trial again.
# usage: command_evaluator.sh AUTOML WORK_DIR
set -euo pipefail
automl=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMP_NUM_THREADS=1 AUTOML_PLUGIN_PATH=
fail() { echo "FAIL: $*"; exit 1; }
# True while process $1 runs (a zombie waiting for its reaper does not count);
# it gets up to 2 s to go.
lives() {
  for _ in $(seq 40); do
    [ -r "/proc/$1/stat" ] || return 1
    [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2> /dev/null)" = Z ] && return 1
    sleep 0.05
  done
  return 0
}

# The user's script: its behaviour per MODE (set in the experiment's env).
cat > trial.sh <<'SH'
#!/bin/bash
set -u
echo "training $AUTOML_ARCH with seed $AUTOML_SEED on $AUTOML_THREADS thread(s)"
case "$MODE" in
  ok) n=$(grep -o nor_conv_3x3 <<< "$AUTOML_ARCH" | wc -l)
      grep -q '"format": 1' "$AUTOML_TRIAL_FILE" || exit 9
      printf '{"metrics": {"valid_acc": %d.5, "params": 1234, "unused": null},
               "curve": [{"step": 1, "valid_acc": 0.25, "loss": null}, {"step": 2, "valid_acc": %d.5}]}\n' \
             "$n" "$n" > "$AUTOML_RESULT_FILE" ;;
  exit) echo "RuntimeError: CUDA out of memory (pretend)" >&2; exit 3 ;;
  signal) echo "about to crash" >&2; kill -SEGV $$ ;;
  timeout) sleep 300 & echo $! > "$AUTOML_TRIAL_DIR/grandchild"; echo "waiting" >&2; sleep 300 ;;
  noresult) echo "forgot to write it" >&2 ;;
  malformed) printf '{"metrics": {"valid_acc": NaN}}' > "$AUTOML_RESULT_FILE" ;;
  noscore) printf '{"metrics": {"acc": 1}}' > "$AUTOML_RESULT_FILE" ;;
  nan) printf '{"metrics": {"valid_acc": null}}' > "$AUTOML_RESULT_FILE" ;;
  badcurve) printf '{"metrics": {"valid_acc": 1}, "curve": [{"step": 2, "a": 1}, {"step": 1, "a": 2}]}' \
              > "$AUTOML_RESULT_FILE" ;;
  fidelity)  # trains AUTOML_FIDELITY epochs in all, continuing a promoted cell's checkpoint
      n=$(grep -o nor_conv_3x3 <<< "$AUTOML_ARCH" | wc -l)
      done=0
      if [ -n "${AUTOML_PREVIOUS_TRIAL_DIR:-}" ]; then done=$(cat "$AUTOML_PREVIOUS_TRIAL_DIR/epochs"); fi
      grep -q "\"fidelity\": $AUTOML_FIDELITY" "$AUTOML_TRIAL_FILE" || exit 9
      echo "$AUTOML_FIDELITY" > "$AUTOML_TRIAL_DIR/epochs"
      printf '{"metrics": {"valid_acc": %s, "resumed_at": %s, "trained": %s}}' "$((n * 100 + AUTOML_FIDELITY))" \
             "$done" "$((AUTOML_FIDELITY - done))" > "$AUTOML_RESULT_FILE" ;;
  slow) sleep 300 & echo $! > "$AUTOML_TRIAL_DIR/grandchild"; sleep 1.5
        printf '{"metrics": {"valid_acc": %d}}' "$AUTOML_TRIAL" > "$AUTOML_RESULT_FILE" ;;
esac
SH
chmod +x trial.sh

experiment() {  # NAME MODE BUDGET [more evaluator lines]
  cat > "$1.toml" <<TOML
[experiment]
name = "$1"
seed = 5
budget_trials = $3
parallel_trials = 2
threads = 2

[search_space]
type = "nasbench201"

[strategy]
type = "random"

[evaluator]
type = "command"
command = ["./trial.sh"]
env = ["MODE=$2"]
score = "valid_acc"
time_limit_s = ${LIMIT:-2}
$4
TOML
}
errors() { "$automl" export "runs/$1" --format json | python3 -c '
import json, sys
for t in json.load(sys.stdin): print(t["status"], t.get("error") or "")'; }

# Success: every trial ok, its metrics from result.json, its files kept.
experiment ok ok 6 ""
"$automl" run ok.toml > ok.log 2>&1 || { cat ok.log; fail "the run of a working script failed"; }
[ "$(errors ok | grep -c '^ok')" -eq 6 ] || { errors ok; fail "not all 6 trials succeeded"; }
"$automl" export runs/ok --format json | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    n = t["arch"].count("nor_conv_3x3")
    assert t["score"] == n + 0.5, (t["score"], t["arch"])
    assert t["metrics"]["params"] == 1234, t["metrics"]
    assert t["curve"] == [{"step": 1, "valid_acc": 0.25, "loss": None}, {"step": 2, "valid_acc": n + 0.5}], t
' || fail "scores or curves are not what the script wrote"
[ "$("$automl" export runs/ok --format curves | wc -l)" -eq 19 ] || fail "export --format curves: not 18 points"
grep -q "<h2>Learning curves</h2>" runs/ok/report.html || fail "report.html draws no learning curves"
for f in trial.json stdout.log stderr.log; do [ -f runs/ok/trials/0/$f ] || fail "runs/ok/trials/0/$f is missing"; done
python3 - runs/ok/trials/0/trial.json <<'PY' || fail "trial.json lacks what its format promises"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["format"] == 1 and t["trial"] == 0 and t["threads"] == 1, t
assert len(t["genes"]) == 6 and {"decision", "value", "choice", "choices"} <= set(t["genes"][0])
assert t["architecture"].startswith("|") and t["cells"] and t["tokens"]
assert t["result_file"].endswith("trials/0/result.json")
PY
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["genotype"])' runs/ok/trials/0/trial.json)" = None ] \
  || fail "a NAS-Bench-201 trial has a genotype"
# A NASNet cell's DARTS-style genotype.
experiment nasnet ok 1 ""
sed -i 's/type = "nasbench201"/type = "nasnet_cnn"/' nasnet.toml
"$automl" run nasnet.toml > nasnet.log 2>&1 || { cat nasnet.log; fail "the NASNet run failed"; }
python3 - runs/nasnet/trials/0/trial.json <<'PY' || fail "the NASNet trial's genotype is not DARTS-style"
import json, sys
t = json.load(open(sys.argv[1]))
g = t["genotype"]
for cell in ("normal", "reduce"):
    assert len(g[cell]) == 10, g  # 5 nodes x 2 inputs
    for op, i in g[cell]:
        assert isinstance(op, str) and 0 <= i <= 6, g
    assert g[cell + "_concat"] and all(2 <= i <= 6 for i in g[cell + "_concat"]), g
assert g["text"].startswith("Genotype(normal=[('") and "], reduce_concat=[" in g["text"], g["text"]
# The pairs are the cells' edges.
edges = [(e["op"], e["from"]) for e in t["cells"][0]["edges"] if e["op"]]
assert [(op, str(i)) for op, i in g["normal"]] == edges, (g["normal"], edges)
print("genotype:", g["text"][:100], "...")
PY
grep -q "training |" runs/ok/trials/0/stdout.log || fail "the script's stdout is not in its log"
[ ! -e runs/ok/trials/0/pid ] || fail "the pid file outlived its trial"

# Each failure: a failed trial with a message that says what and quotes stderr.
check_failure() {  # MODE EXPECTED...
  local mode=$1; shift
  experiment "$mode" "$mode" 1 ""
  "$automl" run "$mode.toml" > "$mode.log" 2>&1 || true
  local line; line=$(errors "$mode")
  [[ "$line" == failed* ]] || fail "$mode: the trial did not fail: $line"
  for want in "$@"; do
    [[ "$line" == *"$want"* ]] || fail "$mode: the message lacks '$want': $line"
  done
  echo "$mode: ${line:0:160}"
}
check_failure exit "exited with code 3" "CUDA out of memory (pretend)" "stderr.log"
check_failure signal "killed by signal 11" "about to crash"
check_failure timeout "ran past time_limit_s = 2 s" "waiting"
gc=$(cat runs/timeout/trials/0/grandchild)
if lives "$gc"; then kill -9 "$gc"; fail "the timed-out trial's background process $gc lives on"; fi
check_failure noresult "result.json was not written" "forgot to write it"
check_failure malformed "is not valid JSON" "write null instead"
check_failure noscore "has no metric \"valid_acc\"" "it has acc"
check_failure nan "score metric \"valid_acc\" is nan"
check_failure badcurve "curve entry 1 has step 1" "steps must increase"

# shell = true: one string for /bin/sh -c.
experiment shell ok 1 'shell = true'
sed -i 's|command = \["./trial.sh"\]|command = ["MODE=ok ./trial.sh > /dev/null \&\& echo via-shell"]|' shell.toml
"$automl" run shell.toml > shell.log 2>&1 || { cat shell.log; fail "shell = true failed"; }
grep -q via-shell runs/shell/trials/0/stdout.log || fail "shell = true did not run through the shell"

# kill -9 in the middle of a trial: nothing of it lives on; resume redoes it.
LIMIT=0 experiment killed slow 4 ""
"$automl" run killed.toml > killed.log 2>&1 &
pid=$!
for _ in $(seq 200); do [ -f runs/killed/trials/0/grandchild ] && break; sleep 0.05; done
[ -f runs/killed/trials/0/grandchild ] || fail "the first trial never started"
kill -9 "$pid"; wait "$pid" 2> /dev/null || true
gc=$(cat runs/killed/trials/0/grandchild)
"$automl" resume runs/killed > resumed.log 2>&1 || { cat resumed.log; fail "resume failed"; }
if lives "$gc"; then kill -9 "$gc"; fail "a process of the killed run's trial lives on"; fi
[ "$(errors killed | grep -c '^ok')" -eq 4 ] || { errors killed; fail "not all 4 trials succeeded after resume"; }

# Ctrl-C (SIGINT to automl alone, as a terminal's would reach it, though the
# trial runs in a group of its own): the trial is stopped and left pending.
LIMIT=0 experiment stopped slow 2 ""
"$automl" run stopped.toml > stopped.log 2>&1 &
pid=$!
for _ in $(seq 200); do [ -f runs/stopped/trials/0/grandchild ] && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid" && fail "an interrupted run exited with 0" || true
gc=$(cat runs/stopped/trials/0/grandchild)
if lives "$gc"; then kill -9 "$gc"; fail "Ctrl-C left the trial's process $gc running"; fi
grep -q "interrupted" stopped.log || { cat stopped.log; fail "the run does not say it was interrupted"; }
[ "$(errors stopped | grep -c '^failed')" -eq 0 ] || fail "a stopped trial was recorded as failed"
"$automl" resume runs/stopped > stopped2.log 2>&1 || { cat stopped2.log; fail "resume after Ctrl-C failed"; }
[ "$(errors stopped | grep -c '^ok')" -eq 2 ] || fail "the stopped trial was not evaluated on resume"
# Multi-fidelity: successive halving asks for 1, 3 and 9 epochs; a promoted
# cell's trial gets the directory of its trial at the lower fidelity and
# continues from the checkpoint it left there.
LIMIT=0 experiment halving fidelity 13 "min_fidelity = 1
max_fidelity = 9"
sed -i 's/^type = "random"$/type = "successive_halving"\ncandidates = 9/' halving.toml
"$automl" run halving.toml > halving.log 2>&1 || { cat halving.log; fail "the successive-halving run failed"; }
"$automl" export runs/halving --format json | python3 -c '
import json, sys
trials = json.load(sys.stdin)
rungs = [(t["fidelity"], t["metrics"]["resumed_at"], t["metrics"]["trained"]) for t in trials]
assert [f for f, _, _ in rungs] == [1] * 9 + [3] * 3 + [9], rungs
assert all(r == 0 and n == 1 for f, r, n in rungs[:9]), rungs
assert all(r == 1 and n == 2 for f, r, n in rungs[9:12]), rungs            # continued from 1 epoch
assert rungs[12][1:] == (3, 6), rungs                                       # and from 3
first = {t["arch"]: t["metrics"]["valid_acc"] for t in trials[:9]}
best3 = sorted(first, key=lambda a: -first[a])[:3]
assert sorted(t["arch"] for t in trials[9:12]) == sorted(best3), "not the best third promoted"
' || fail "successive halving over the script's fidelities"

echo "command evaluator: success, 7 failure kinds, timeout kill of the group, kill -9 and Ctrl-C with resume, fidelities continuing a promoted cell"
