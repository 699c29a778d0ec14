#!/usr/bin/env bash
# cpack -G DEB in the build folder: automl_<version>_amd64.deb (host, core
# libraries, plugins, example experiments) and automl-dev_<version>_amd64.deb
# (headers, CMake package, automl.pc, plugin examples). Checks what each
# holds and the Depends dpkg-shlibdeps computed, unpacks both into a scratch
# root with dpkg -x and runs automl list and the quickstart's check from
# there. Skips (77) without dpkg-shlibdeps (dpkg-dev).
# usage: debian_package.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1 work=$2
fail() { echo "FAIL: $*"; exit 1; }
command -v dpkg-shlibdeps > /dev/null || { echo "SKIPPED: dpkg-shlibdeps is missing (apt-get install dpkg-dev)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/packages" > cpack.log 2>&1) \
  || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
runtime="$work/packages/automl_${version}_amd64.deb" dev="$work/packages/automl-dev_${version}_amd64.deb"
[ -f "$runtime" ] && [ -f "$dev" ] || { ls "$work/packages"; cat "$work/cpack.log"; fail "expected $runtime and $dev"; }

depends=$(dpkg-deb -f "$runtime" Depends)
echo "automl Depends: $depends"
for lib in libc6 libstdc++6 libtorch libboost-program-options libsqlite3 libturbojpeg libpng16 libgomp1; do
  grep -q "$lib" <<< "$depends" || fail "automl's Depends lacks $lib"
done
dev_depends=$(dpkg-deb -f "$dev" Depends)
grep -q "automl (= $version)" <<< "$dev_depends" || fail "automl-dev does not depend on automl (= $version): $dev_depends"
dpkg-deb -c "$runtime" > "$work/runtime.list" && dpkg-deb -c "$dev" > "$work/dev.list"
grep -q "/usr/include/" "$work/runtime.list" && fail "the runtime package holds headers"
grep -q "./usr/lib/automl/plugins/strategy_nao.so" "$work/runtime.list" || fail "the runtime package lacks the NAO plugin"
grep -q "./usr/include/automl/plugin.hpp" "$work/dev.list" || fail "automl-dev lacks the headers"
grep -q "./usr/lib/cmake/automl/automlConfig.cmake" "$work/dev.list" || fail "automl-dev lacks the CMake package"
grep -q "./usr/lib/pkgconfig/automl.pc" "$work/dev.list" || fail "automl-dev lacks automl.pc"
grep -q "./usr/lib/libautoml_core.so " "$work/dev.list" || fail "automl-dev lacks the libautoml_core.so link"

root="$work/root"
dpkg -x "$runtime" "$root" && dpkg -x "$dev" "$root"
export AUTOML_PLUGIN_PATH=
out=$("$root/usr/bin/automl" list) || fail "automl list from the package"
for name in fashion_mnist nasnet_cnn nasbench201 nao enas weight_sharing full_training tabular command; do
  grep -q "^  $name .*$root/usr/lib/automl/plugins/" <<< "$out" || fail "$name not loaded from the package: $out"
done
"$root/usr/bin/automl" --version | head -3
if [ -d /usr/share/datasets/fashion-mnist ]; then
  "$root/usr/bin/automl" check "$root/usr/share/automl/experiments/quickstart.toml" > "$work/check.out" 2>&1 \
    || { cat "$work/check.out"; fail "the quickstart's check from the package"; }
  checked="the quickstart checks"
else
  checked="quickstart check SKIPPED: dataset-fashion-mnist is absent"
fi
echo "packages $(basename "$runtime") $(du -h "$runtime" | cut -f1), $(basename "$dev") $(du -h "$dev" | cut -f1);" \
     "automl runs from their files; $checked"
