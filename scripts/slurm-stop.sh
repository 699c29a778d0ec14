#!/usr/bin/env bash
# Stops the single-node Slurm that scripts/slurm-start.sh started (slurmctld,
# slurmd and munged); quiet when none runs.
set -uo pipefail
if sinfo -h > /dev/null 2>&1; then
  scancel --user=root > /dev/null 2>&1 || true
  scontrol shutdown > /dev/null 2>&1 || true
fi
for _ in $(seq 1 100); do
  pgrep -x slurmctld > /dev/null || pgrep -x slurmd > /dev/null || break
  sleep 0.1
done
pkill -x slurmd 2> /dev/null; pkill -x slurmctld 2> /dev/null
pkill -x munged 2> /dev/null
exit 0
