#!/usr/bin/env bash
# The device check, on a machine with an NVIDIA GPU, CUDA, CMake, ninja and a
# CUDA PyTorch but none of this project's other dependencies: unpacks the
# Debian packages of .gpu-bundle/debs (scripts/gpu-bundle.sh, on a Debian
# machine) into a prefix, builds the host, the plugins and the benchmarks
# against the LibTorch inside that PyTorch, and measures (bench_gpu_check:
# agreement with the CPU, NAONet-B fp32 vs bf16, the NAO-WS supernet's steps
# and scoring, batches to the device, peak memory; then the NAO controller
# and the CPU loader). Figures go to stdout and, when $OUT is set, to
# $OUT/gpu_check.txt. Exit code: 1 when the build fails or CPU and GPU
# disagree.
#   bench/gpu_check.sh [--quick]
# AUTOML_GPU_CHECK_TORCH_DIR=<LibTorch's cmake folder> takes another
# LibTorch (an official CUDA zip); PYTHON names the Python with torch.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=$root/.gpu-bundle
prefix=$bundle/prefix
build=$bundle/build
python=${PYTHON:-python3}
quick=${1:-}
jobs=$(nproc 2>/dev/null || echo 4)
log=${OUT:+$OUT/gpu_check.txt}
say() { echo "$*"; [ -z "$log" ] || echo "$*" >> "$log"; }
fail() { say "gpu_check: $*"; exit 1; }
[ -z "$log" ] || : > "$log"

ls "$bundle"/debs/*.deb > /dev/null 2>&1 || fail "no .gpu-bundle/debs: run scripts/gpu-bundle.sh on a Debian 12 machine first"
start=$(date +%s)

# 1. The packages, unpacked (dpkg -x, or ar and tar where there is no dpkg).
if [ ! -e "$prefix/.unpacked" ]; then
  rm -rf "$prefix" && mkdir -p "$prefix"
  for deb in "$bundle"/debs/*.deb; do
    if command -v dpkg > /dev/null; then
      dpkg -x "$deb" "$prefix" || fail "cannot unpack $deb"
    else
      tmp=$(mktemp -d) && (cd "$tmp" && ar x "$deb" && tar -xf data.tar.* -C "$prefix") || fail "cannot unpack $deb"
      rm -rf "$tmp"
    fi
  done
  touch "$prefix/.unpacked"
fi
lib=$prefix/usr/lib/x86_64-linux-gnu
export PATH=$prefix/usr/bin:$PATH
# LibTorch's CMake config looks for the CUDA toolkit (nvcc) on PATH.
if ! command -v nvcc > /dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=$PATH:/usr/local/cuda/bin; fi
export PKG_CONFIG_SYSROOT_DIR=$prefix PKG_CONFIG_LIBDIR=$lib/pkgconfig:$prefix/usr/share/pkgconfig

# 2. LibTorch: the pip PyTorch's (its C++ ABI must be the new one, as Debian's libraries).
torch_dir=${AUTOML_GPU_CHECK_TORCH_DIR:-}
torch_lib=
if [ -z "$torch_dir" ]; then
  info=$("$python" -c 'import torch, os; print(torch.utils.cmake_prefix_path); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(os.path.join(os.path.dirname(torch.__file__), "lib")); print(torch.__version__, torch.version.cuda, torch.cuda.is_available())') \
    || fail "$python cannot import torch; set PYTHON or AUTOML_GPU_CHECK_TORCH_DIR"
  torch_dir=$(sed -n 1p <<< "$info")/Torch
  [ "$(sed -n 2p <<< "$info")" = 1 ] || fail "this PyTorch uses the old C++ ABI (_GLIBCXX_USE_CXX11_ABI=0); Debian's libraries need the new one"
  torch_lib=$(sed -n 3p <<< "$info")
  say "PyTorch $(sed -n 4p <<< "$info") (version, CUDA, cuda available)"
fi

# 3. Configure and build (no tests: Boost.Test is not in the bundle).
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAUTOML_BUILD_TESTS=OFF \
  -DAUTOML_BUILD_BENCHMARKS=ON -DTorch_DIR="$torch_dir" -DCMAKE_PREFIX_PATH="$prefix/usr" \
  -DCMAKE_LIBRARY_ARCHITECTURE=x86_64-linux-gnu -DCMAKE_INCLUDE_PATH="$prefix/usr/include" \
  -DCMAKE_LIBRARY_PATH="$lib" -DCMAKE_BUILD_RPATH="$lib${torch_lib:+;$torch_lib}" -DCAFFE2_USE_CUDNN=ON \
  > "$bundle/configure.log" 2>&1 || { tail -40 "$bundle/configure.log"; fail "cmake failed (log: $bundle/configure.log)"; }
grep "automl: LibTorch" "$bundle/configure.log" | while read -r line; do say "$line"; done
cmake --build "$build" -j "$jobs" > "$bundle/build.log" 2>&1 || { grep -B2 -A8 "error" "$bundle/build.log" | head -60; fail "build failed (log: $bundle/build.log)"; }
say "configured and built in $(( $(date +%s) - start )) s"

# 4. Measure.
export LD_LIBRARY_PATH=$lib${torch_lib:+:$torch_lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
bin=$build/bin
run() { "$@" 2>&1 | tee ${log:+-a "$log"}; return "${PIPESTATUS[0]}"; }
status=0
run "$bin/automl" --version || status=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | while read -r line; do say "nvidia-smi: $line"; done
say "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
run "$bin/bench_gpu_check" cuda $quick || status=1
say "-- NAO controller (CPU, one thread)"
run "$bin/bench_nao_controller" 1 || status=1
say "-- CPU image loader (one thread)"
run "$bin/bench_data_loader" ${quick:+1} || status=1
say "gpu_check: done in $(( $(date +%s) - start )) s, status $status"
exit $status
