#!/usr/bin/env bash
# Search quality on NAS-Bench-201 (tabular, CIFAR-10): NAO vs random search vs
# regularized evolution, each run once per seed for the largest budget; the
# smaller budgets read the same runs' first N queries (the strategies' choices
# do not depend on the budget). Search column c10valid_val_200; the table
# reports c10_test_200 of the cell with the best search score so far.
#   bench/nb201_compare.sh [seeds] [jobs] [name=experiment.toml ...]
# (defaults 20 seeds, 2 jobs); extra name=file pairs add rows.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
automl="$root/build/bin/automl"
seeds=${1:-20}
jobs=${2:-2}
budgets="50 100 150 300"
max=300
work=$(mktemp -d /tmp/nb201_compare.XXXX)
declare -A experiment=(
  [nao]="$root/share/experiments/nb201_nao.toml"
  [random]="$root/share/experiments/nb201_random.toml"
  [regularized_evolution]="$root/share/experiments/nb201_regularized_evolution.toml"
)
rows="random regularized_evolution nao"
for extra in "${@:3}"; do
  experiment[${extra%%=*}]=$(realpath "${extra#*=}")
  rows="$rows ${extra%%=*}"
done
export OMP_NUM_THREADS=1 AUTOML_PLUGIN_PATH=
for s in "${!experiment[@]}"; do
  for seed in $(seq 0 $((seeds - 1))); do
    echo "$s $seed ${experiment[$s]}"
  done
done | xargs -P "$jobs" -L 1 bash -c '
  "$0" run "$3" --set experiment.seed=$2 --set experiment.budget_trials='$max' \
    --set experiment.name=$1-$2 --set experiment.output_dir='"$work"' > /dev/null 2>&1 \
    || { echo "run $1 seed $2 failed" >&2; exit 1; }
  "$0" export '"$work"'/$1-$2 --format csv > '"$work"'/$1-$2.csv' "$automl"

printf "NAS-Bench-201 CIFAR-10, %d seeds: test accuracy (%%) of the best cell by c10valid_val_200, mean +- std\n" "$seeds"
printf "%-24s" "variant"; for b in $budgets; do printf "%18s" "$b queries"; done; printf "\n"
for s in $rows; do
  printf "%-24s" "$s"
  for b in $budgets; do
    for seed in $(seq 0 $((seeds - 1))); do
      awk -F, -v budget="$b" '
        NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
        $(col["status"]) == "ok" && $(col["id"]) < budget && (best == "" || $(col["score"]) > best) {
          best = $(col["score"]); test = $(col["c10_test_200"]) }
        END { print test }' "$work/$s-$seed.csv"
    done | awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; printf "%11.2f +- %4.2f", m, sqrt(q / n - m * m) }'
  done
  printf "\n"
done
rm -rf "$work"
