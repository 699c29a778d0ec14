#!/usr/bin/env bash
# cmake --install into a scratch prefix: the installed automl finds its
# plugins; the out-of-tree example plugin, built against the installed prefix
# with find_package(automl) and installed with `cmake --install`, is loaded
# from there with no environment variable and runs; a plugin compiled with
# the flags of automl.pc (pkg-config) loads too.
# usage: install_prefix.sh BUILD_DIR EXAMPLE_DIR WORK_DIR
set -euo pipefail
build=$1 example=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > /dev/null
[ -f "$prefix/include/automl/plugin.hpp" ] || fail "headers not installed"
config=$(find "$prefix" -name automlConfig.cmake | head -1)
[ -n "$config" ] || fail "no automlConfig.cmake installed"
pc=$(find "$prefix" -name automl.pc | head -1)
[ -n "$pc" ] || fail "no automl.pc installed"
[ -f "$prefix/share/automl/experiments/quickstart.toml" ] || fail "example experiments not installed"
export AUTOML_PLUGIN_PATH=
out=$("$prefix/bin/automl" list)
for name in nasbench201 tabular random regularized_evolution command; do
  grep -q "^  $name " <<< "$out" || fail "$name missing from: $out"
done
grep -q "$prefix" <<< "$out" || fail "plugins not loaded from the prefix: $out"

# The example plugin against the installed prefix.
cmake -S "$example" -B "$work/oot" -Dautoml_DIR="$(dirname "$config")" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configuring the example against the prefix"; }
cmake --build "$work/oot" -j 2 > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "building the example"; }
dest=$(sed -n 's/^AUTOML_PLUGIN_INSTALL_DIR:PATH=//p' "$work/oot/CMakeCache.txt")
case "$dest" in "$prefix"/*) ;; *) fail "the example would install into '$dest', not into $prefix";; esac
cmake --install "$work/oot" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "installing the example"; }
plugin_dir=$(dirname "$(find "$prefix" -name 'strategy_random.so' | head -1)")
[ -f "$plugin_dir/strategy_local_search.so" ] && [ -f "$plugin_dir/search_space_mlp.so" ] || { cat "$work/install.log"; fail "the example was not installed into $plugin_dir"; }
"$prefix/bin/automl" list | grep -q "^  local_search .*$plugin_dir/strategy_local_search.so" \
  || fail "the installed host does not load the installed example: $("$prefix/bin/automl" list)"
table="$example/../../../../shared/data/nasbench201/nb201.csv"
if [ -f "$table" ]; then
  (cd "$work" && "$prefix/bin/automl" run "$example/local_search/experiment.toml" --set experiment.budget_trials=30 \
     --set experiment.output_dir="$work/runs" > run.out 2> run.err) || { cat "$work/run.err"; fail "running the example"; }
  grep -q "30 ok" "$work/run.out" || { cat "$work/run.out"; fail "unexpected run summary"; }
  ran="ran 30 trials"
else
  ran="run SKIPPED: the NAS-Bench-201 table beside the checkout is absent"
fi

# A plugin built with pkg-config's flags alone.
export PKG_CONFIG_PATH="$(dirname "$pc")"
[ "$(realpath "$(pkg-config --variable=plugindir automl)")" = "$(realpath "$plugin_dir")" ] \
  || fail "automl.pc's plugindir $(pkg-config --variable=plugindir automl) is not $plugin_dir"
mkdir -p "$work/pc"
# shellcheck disable=SC2046
g++ -O1 -shared -fPIC -fvisibility=hidden "$example/mlp/mlp.cpp" -o "$work/pc/search_space_mlp_pc.so" \
  $(pkg-config --cflags --libs automl) -DAUTOML_PLUGIN_NAME='"mlp_pc"' \
  -DAUTOML_PLUGIN_KIND='"search_space"' -DAUTOML_PLUGIN_VERSION='"0.1.0"' 2> "$work/pc.log" \
  || { cat "$work/pc.log"; fail "compiling with pkg-config's flags"; }
AUTOML_PLUGIN_PATH="$work/pc" "$prefix/bin/automl" list | grep -q "^  mlp_pc " \
  || fail "the plugin built with pkg-config's flags is not loaded: $(AUTOML_PLUGIN_PATH="$work/pc" "$prefix/bin/automl" list 2>&1)"
echo "installed automl at $prefix lists its plugins; the example built against it was installed beside them" \
     "and loaded without AUTOML_PLUGIN_PATH ($ran); a plugin built with automl.pc loads"
