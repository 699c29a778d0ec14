#!/usr/bin/env bash
# cmake --install into a scratch prefix; the installed automl finds its plugins.
# usage: install_prefix.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1 work=$2
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" > /dev/null
[ -f "$work/prefix/include/automl/plugin.hpp" ] || { echo "FAIL: headers not installed"; exit 1; }
config=$(find "$work/prefix" -name automlConfig.cmake | head -1)
[ -n "$config" ] || { echo "FAIL: no automlConfig.cmake installed"; exit 1; }
out=$(AUTOML_PLUGIN_PATH= "$work/prefix/bin/automl" list)
for name in nasbench201 tabular random regularized_evolution; do
  echo "$out" | grep -q " $name " || echo "$out" | grep -q "^  $name" || { echo "FAIL: $name missing"; echo "$out"; exit 1; }
done
echo "$out" | grep -q "$work/prefix" || { echo "FAIL: plugins not loaded from the prefix"; echo "$out"; exit 1; }
echo "installed automl at $work/prefix lists its plugins"
