#!/usr/bin/env bash
# The core's include arrows point one way: compare/, serve/ -> run/ -> experiment/ ->
# host/ -> base/ (the top-level automl/*.hpp and src/base/). A file may
# include its own subsystem and those below it, never one above; the core
# includes nothing of automl::data (automl/data/, automl/nn/: LibTorch).
# Usage: layering.sh FRAMEWORK_DIR
set -euo pipefail
framework=$1
rank() {  # the rank of a subsystem name; "" for one outside the core
  case $1 in
    base) echo 0 ;; host) echo 1 ;; experiment) echo 2 ;; run) echo 3 ;; compare) echo 4 ;;
    serve) echo 4 ;; data | nn) echo 9 ;; *) echo "" ;;
  esac
}
# The subsystem an include names: automl/<sub>/x.hpp, automl/x.hpp (base),
# <sub>/x.hpp (a private header of another folder), or x.hpp (its own folder).
target_of() {
  local include=$1 own=$2
  case $include in
    automl/*/*) echo "${include#automl/}" | cut -d/ -f1 ;;
    automl/*) echo base ;;
    */*) echo "$include" | cut -d/ -f1 ;;
    *) echo "$own" ;;
  esac
}
bad=0 checked=0
for sub in base host experiment run compare serve; do
  own=$(rank $sub)
  files=$(find "$framework/src/$sub" -name '*.[ch]pp' 2>/dev/null)
  if [ "$sub" = base ]; then
    files="$files $(find "$framework/include/automl" -maxdepth 1 -name '*.hpp')"
  else
    files="$files $(find "$framework/include/automl/$sub" -name '*.hpp' 2>/dev/null)"
  fi
  for f in $files; do
    checked=$((checked + 1))
    while read -r include; do
      target=$(target_of "$include" "$sub")
      r=$(rank "$target")
      [ -n "$r" ] || continue
      if [ "$r" -gt "$own" ]; then
        echo "layering: ${f#$framework/} ($sub) includes \"$include\" ($target, above it)"
        bad=$((bad + 1))
      fi
    done < <(sed -n 's/^#include "\(.*\)".*/\1/p' "$f")
  done
done
[ "$checked" -gt 20 ] || { echo "layering: only $checked files found under $framework: wrong folder?"; exit 1; }
echo "layering: $checked files, $bad upward includes"
[ "$bad" -eq 0 ]
