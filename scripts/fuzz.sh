#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz) with clang-14, libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer in ./build-fuzz and runs
# each one from its seed corpus; a finding stops with the input saved under
# build-fuzz/findings/. Needs the regular build in ./build (its
# `automl describe --json` gives the plugins' schemas).
#
#   scripts/fuzz.sh                      every target for 15 s (what CI runs)
#   scripts/fuzz.sh --seconds 600 idx    one target for 10 minutes
#   scripts/fuzz.sh --runs 1000000       every target for a million inputs
#   scripts/fuzz.sh --seed 1             the same inputs every time (the test
#                                        command's choice; otherwise libFuzzer
#                                        draws a seed, and each run explores anew)
#
# A finding, once fixed, goes to tests/fuzz/regressions/TARGET/, which the
# regular test suite replays (ctest -R fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-max_total_time=15)
seed=()
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    --seed) seed=(-seed="$2"); shift 2 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(experiment set idx cifar ptb nb201_csv state image)
[ -x build/bin/automl ] || { echo "fuzz.sh: build automl first (scripts/build.sh)" >&2; exit 2; }
command -v clang++-14 > /dev/null || { echo "fuzz.sh: clang++-14 is missing (scripts/setup.sh installs it)" >&2; exit 2; }

mkdir -p build-fuzz/findings
AUTOML_PLUGIN_PATH= build/bin/automl describe --json > build-fuzz/schemas.json
# The dictionary: TOML syntax plus every name the schemas know.
{
  cat tests/fuzz/toml.dict
  python3 - build-fuzz/schemas.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
words = set()
for c in d["components"] + [d["experiment"]]:
    words.add(c["name"])
    for f in c["fields"]:
        words.add(f["key"])
        words.update(f.get("choices", []))
for w in sorted(words):
    print('"%s"' % w.replace("\\", "\\\\").replace('"', '\\"'))
PY
} > build-fuzz/experiment.dict
cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  -DAUTOML_FUZZ_SCHEMAS="$(pwd)/build-fuzz/schemas.json" > build-fuzz/configure.log 2>&1 \
  || { cat build-fuzz/configure.log; exit 1; }
cmake --build build-fuzz -j 2

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
summary=()
for t in "${targets[@]}"; do
  inputs=(tests/fuzz/corpus/"$t")
  [ -d tests/fuzz/regressions/"$t" ] && inputs+=(tests/fuzz/regressions/"$t")
  extra=(-max_len=8192)
  case "$t" in
    experiment) inputs+=(share/experiments); extra=(-max_len=8192 -dict=build-fuzz/experiment.dict) ;;
    set) extra=(-max_len=1024 -dict=build-fuzz/experiment.dict) ;;
    cifar) extra=(-max_len=12400) ;;
  esac
  mkdir -p build-fuzz/corpus/"$t"
  log=build-fuzz/"$t".log
  echo "fuzz.sh: $t"
  if build-fuzz/fuzz_"$t" "${limit[@]}" "${seed[@]}" "${extra[@]}" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/findings/"$t"- build-fuzz/corpus/"$t" "${inputs[@]}" > "$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    summary+=("$(printf '%-12s %10s runs %6s s  coverage %s  no finding' "$t" "${runs:-?}" "${secs:-?}" "${cov:-?}")")
  else
    status=1
    summary+=("$(printf '%-12s FINDING (see %s, input in build-fuzz/findings/)' "$t" "$log")")
    tail -40 "$log"
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
