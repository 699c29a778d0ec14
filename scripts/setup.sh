#!/usr/bin/env bash
# Installs the Debian 12 packages automl needs, only those missing; quiet when
# everything is already there. Run as root (or with sudo available).
#   scripts/setup.sh         everything: building, running and testing
#   scripts/setup.sh --run   only what building and running automl needs
set -euo pipefail

# What building and running automl needs (scripts/quickstart.sh installs only these: setup.sh --run).
packages=(
  g++ cmake ninja-build                  # toolchain
  libtorch-dev                           # LibTorch 1.13 (CPU)
  libopenblas0-openmp                    # optimized BLAS for libtorch, OpenMP build (matches libgomp)
  libboost-dev                           # Boost.DLL (header-only) for plugins
  libboost-program-options-dev           # command line
  libtomlplusplus-dev                    # experiment files
  libsqlite3-dev libsqlitecpp-dev        # results database
  libspdlog-dev libfmt-dev               # logging, formatting
  nlohmann-json3-dev                     # metrics columns, JSON export
  zlib1g-dev                             # gzipped data files
  libarchive-dev                         # dataset archives (.tar.gz, .zip)
  libturbojpeg0-dev libpng-dev           # JPEG and PNG images (image_folder)
  libcpp-httplib-dev                     # automl serve's web server
  dataset-fashion-mnist                  # offline default dataset
  gnuplot-nox                            # figures of comparison reports
  graphviz                               # pictures of architectures (report.html, inspect/show --draw)
)
# What the tests, the sanitizer build and the fuzzers need besides.
test_packages=(
  libboost-test-dev                      # tests
  clang-14 libfuzzer-14-dev python3      # fuzzing (scripts/fuzz.sh); python3 also drives the browser test
  cmark-gfm                              # renders report.md in the comparison test
  python3-scipy                          # rank correlations checked against SciPy
  chromium-headless-shell                # a real browser for the automl serve test
  python3-torch                          # the Python trial example (share/examples/python_trial)
  dpkg-dev pkgconf                       # cpack -G DEB (dpkg-shlibdeps); automl.pc checked with pkg-config
  slurmctld slurmd slurm-client munge    # a single-node Slurm for the slurm launcher's tests (scripts/slurm-start.sh)
)
[ "${1:-}" = "--run" ] || packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
