#!/usr/bin/env bash
# automl compare on test plugins: kill -9 mid-way and start again; runs that
# had finished are not redone (their databases are untouched), the others
# finish, each run equals the same experiment run alone, the report is
# written and --report-only rewrites it identically.
# usage: compare.sh AUTOML TEST_PLUGIN_DIR WORK_DIR
set -euo pipefail
automl=$1 plugins=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMP_NUM_THREADS=1 AUTOML_PLUGIN_PATH=

cat > exp.toml <<TOML
[experiment]
seed = 0
budget_trials = 30
plugin_paths = ["$plugins"]

[search_space]
type = "nasbench201"

[strategy]
type = "random"

[evaluator]
type = "scripted"
delay_ms = 30

[reference]
type = "scripted"
TOML

cat > cmp.toml <<TOML
[comparison]
experiment = "exp.toml"
seeds = 4
jobs = 2
metric = "genes"

[variants.random]

[variants.evolution.strategy]
type = "regularized_evolution"
population = 4
sample_size = 2
TOML

dir=comparisons/cmp
done_lines() { grep -cE '^\[ ?[0-9]+/8\]' "$1" || true; }

"$automl" compare cmp.toml > first.log 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ "$(done_lines first.log)" -ge 2 ] && break
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
sleep 0.3  # the runs die with the comparison
before=$(done_lines first.log)
if [ "$before" -lt 1 ] || [ "$before" -ge 8 ]; then
  echo "FAIL: the comparison was not killed mid-way ($before of 8 runs finished)"; cat first.log; exit 1
fi
grep -E '^\[ ?[0-9]+/8\]' first.log | sed -E 's/^\[ ?[0-9]+\/8\] ([a-z]+) seed ([0-9]+):.*/\1\/seed-\2/' > finished.txt
for run in $(cat finished.txt); do sha256sum "$dir/runs/$run/results.db"; done > before.sha

"$automl" compare cmp.toml > second.log 2>&1 || { echo "FAIL: second start failed"; cat second.log; exit 1; }
already=$(sed -nE 's/.*; ([0-9]+) already finished$/\1/p' second.log)
[ -n "$already" ] && [ "$already" -ge "$before" ] || { echo "FAIL: expected >= $before runs already finished"; cat second.log; exit 1; }
ran=$(done_lines second.log)
[ "$ran" -eq $((8 - already)) ] || { echo "FAIL: $ran runs after restart, expected $((8 - already))"; cat second.log; exit 1; }
sha256sum -c --quiet before.sha || { echo "FAIL: a run finished before the kill was changed"; exit 1; }
grep -q "8 of 8 runs finished" second.log || { echo "FAIL: not every run finished"; cat second.log; exit 1; }

# Each run is the experiment with the comparison's seed.
"$automl" run exp.toml --set experiment.seed=2 --set experiment.name=alone > /dev/null 2>&1
"$automl" export runs/alone --format csv | cut -d, -f1,4,5 > alone.csv
"$automl" export "$dir/runs/random/seed-2" --format csv | cut -d, -f1,4,5 > in_comparison.csv
diff -q alone.csv in_comparison.csv > /dev/null || { echo "FAIL: run random/seed-2 differs from the experiment run alone"; exit 1; }

# The report: both variants with 4 runs and 30 evaluations each, the test
# against the baseline, figures when gnuplot is here.
report=$dir/report.md
grep -qE '^\| `random` \| `random` \| 4 \|.*\| baseline \| – \| 30 \|' "$report" || { echo "FAIL: baseline row"; cat "$report"; exit 1; }
grep -qE '^\| `evolution` \| `regularized_evolution` \| 4 \|.*\| 30 \|' "$report" || { echo "FAIL: variant row"; cat "$report"; exit 1; }
# The reference scores equal the search's: every variant ranks perfectly.
grep -q '^## Ranking against the reference' "$report" || { echo "FAIL: no ranking section"; cat "$report"; exit 1; }
grep -qE '^\| `evolution` \| 4 \| [^|]+ \| [^|]+ \| 1\.000 ± 0\.000 \|' "$report" || { echo "FAIL: ranking row"; cat "$report"; exit 1; }
grep -q '<table>' "$dir/report.html" || { echo "FAIL: no table in report.html"; exit 1; }
# Rendered as GitHub-flavoured Markdown, every architecture stays whole in its
# cell (they hold '|', which ends a cell unless escaped).
if command -v cmark-gfm > /dev/null; then
  cmark-gfm -e table "$report" > report_rendered.html
  python3 - "$report" report_rendered.html <<'PY' || exit 1
import html, re, sys
md = open(sys.argv[1]).read().replace("\\|", "|")
page = html.unescape(open(sys.argv[2]).read())
archs = set(re.findall(r"\|[a-z_0-9]+~0\|\+[^`]*\|", md))
if not archs:
    sys.exit("FAIL: no architectures in the report to check")
split = [a for a in archs if a not in page]
if split:
    sys.exit("FAIL: the Markdown renderer splits %d architectures, e.g. %s" % (len(split), split[0]))
PY
else
  echo "note: cmark-gfm is missing (scripts/setup.sh installs it); the report's Markdown is not rendered"
fi
if command -v gnuplot > /dev/null; then
  for f in best_vs_evaluations best_vs_time score_vs_reference; do
    [ -s "$dir/$f.svg" ] && [ -s "$dir/$f.png" ] || { echo "FAIL: figure $f missing"; cat "$dir/gnuplot.log"; exit 1; }
  done
  grep -q '<svg' "$dir/report.html" || { echo "FAIL: report.html does not embed its figures"; exit 1; }
fi
if command -v dot > /dev/null; then
  for v in random evolution; do
    [ -s "$dir/best_cell_$v.svg" ] && [ -s "$dir/best_cell_$v.png" ] || { echo "FAIL: no picture of $v's best cell"; exit 1; }
    grep -q "best_cell_$v.png" "$report" || { echo "FAIL: report.md does not show $v's best cell"; exit 1; }
  done
  [ "$(grep -c '>input</text>' "$dir/report.html")" -ge 2 ] || { echo "FAIL: report.html does not embed the cells"; exit 1; }
fi
cp "$report" report_first.md
rm "$report" "$dir/report.html"
"$automl" compare --report-only "$dir" > report.log
cmp -s report_first.md "$report" || { echo "FAIL: --report-only wrote a different report"; diff report_first.md "$report"; exit 1; }
[ -s "$dir/report.html" ] || { echo "FAIL: --report-only wrote no report.html"; exit 1; }

# A multi-fidelity comparison: the results table shows the fidelity each
# variant spent beside its evaluations (successive halving spends 9 + 3x3 +
# 1x9 = 27 epochs per bracket on 13 trials; random search 9 per trial).
cat > mf.toml <<TOML
[comparison]
experiment = "exp.toml"
seeds = 2
jobs = 2
budget_trials = 1000
budget_fidelity = 54

[variants.random.evaluator]
type = "scripted"
max_fidelity = 9

[variants.halving.strategy]
type = "successive_halving"
eta = 3

[variants.halving.evaluator]
type = "scripted"
max_fidelity = 9
TOML
"$automl" compare mf.toml > mf.log 2>&1 || { echo "FAIL: the multi-fidelity comparison failed"; cat mf.log; exit 1; }
mf=comparisons/mf/report.md
grep -qE '^\| variant \|.*\| evaluations \| fidelity spent \| wall s \|$' "$mf" || { echo "FAIL: no fidelity column"; cat "$mf"; exit 1; }
grep -qE '^\| `random` \|.*\| 6 \| 54 \| [0-9.]+ \|$' "$mf" || { echo "FAIL: random's row (6 trials, 54 epochs)"; cat "$mf"; exit 1; }
grep -qE '^\| `halving` \|.*\| 26 \| 54 \| [0-9.]+ \|$' "$mf" || { echo "FAIL: halving's row (26 trials, 54 epochs)"; cat "$mf"; exit 1; }
if grep -q 'fidelity spent' "$report"; then echo "FAIL: a single-fidelity report shows fidelity"; exit 1; fi

echo "compare: killed with $before of 8 runs finished; none redone, all 8 finished after restart; report rewritten identically"
