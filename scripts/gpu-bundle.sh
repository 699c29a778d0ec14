#!/usr/bin/env bash
# Prepares the device check (bench/gpu_check.sh) for a GPU machine that has
# CUDA, CMake, ninja and a CUDA PyTorch but none of this project's other
# dependencies and no network: downloads the Debian 12 packages the build
# needs besides LibTorch (and the shared libraries they need) into
# .gpu-bundle/debs, which git ignores (.git/info/exclude) and which travels
# with the working tree. Run it on a Debian 12 machine with the package
# archive; about 30 MB.
#   scripts/gpu-bundle.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/.gpu-bundle/debs
packages=(
  libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0
  libtomlplusplus-dev libtomlplusplus3
  libsqlite3-dev libsqlite3-0 libsqlitecpp-dev
  libspdlog-dev libspdlog1.10 libfmt-dev libfmt9
  nlohmann-json3-dev zlib1g-dev
  libarchive-dev libarchive13 libb2-1 libnettle8 libxml2 libicu72
  libturbojpeg0-dev libturbojpeg0 libpng-dev libpng16-16
  libcpp-httplib-dev libcpp-httplib0.11 libssl-dev libssl3 libbrotli-dev libbrotli1
  pkgconf pkgconf-bin libpkgconf3
)
rm -rf "$dir" && mkdir -p "$dir"
(cd "$dir" && apt-get download "${packages[@]}" 2>&1 | grep -v "^Get:\|unsandboxed" || true)
[ "$(ls "$dir"/*.deb | wc -l)" = "${#packages[@]}" ] || { echo "gpu-bundle: not every package was downloaded" >&2; exit 1; }
exclude=$(git -C "$root" rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.gpu-bundle/' "$exclude" 2>/dev/null || echo '/.gpu-bundle/' >> "$exclude"
echo "gpu-bundle: ${#packages[@]} packages, $(du -sh "$dir" | cut -f1), in $dir"
echo "on the GPU machine, from the repository root: bench/gpu_check.sh (carry .gpu-bundle)"
