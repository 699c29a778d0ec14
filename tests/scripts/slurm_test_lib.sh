# Sourced by the Slurm test scripts: `fail`, and `slurm_test_setup WHAT
# AUTOML PLUGINS WORK`, which skips (exit 77, with a message) where no Slurm
# answers, else makes WORK afresh, enters it and points automl at the test
# plugins on one thread.
fail() { echo "FAIL: $*"; exit 1; }

slurm_test_setup() {
  local what=$1 plugins=$3 work=$4
  if ! command -v sbatch > /dev/null || ! sinfo -h > /dev/null 2>&1; then
    echo "SKIP: no Slurm answers here (start one with scripts/slurm-start.sh as root); $what was not tested"
    exit 77
  fi
  rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
  export AUTOML_PLUGIN_PATH="$plugins" OMP_NUM_THREADS=1
}
