#!/usr/bin/env bash
# Starts a single-node Slurm on this machine for the tests (Debian 12, as
# root, without systemd): munged, slurmctld and slurmd, one partition
# "debug" holding this node, state and logs under $AUTOML_SLURM_DIR
# (default /tmp/automl-slurm). Writes /etc/slurm/slurm.conf. Returns once
# the node is idle. scripts/slurm-stop.sh stops it.
#   scripts/slurm-start.sh
set -euo pipefail
dir=${AUTOML_SLURM_DIR:-/tmp/automl-slurm}
[ "$(id -u)" -eq 0 ] || { echo "slurm-start: run as root (it starts Slurm's daemons)" >&2; exit 1; }

missing=()
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "slurm-start: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

if sinfo -h > /dev/null 2>&1; then
  echo "slurm-start: a Slurm controller already answers; leaving it as it is"
  exit 0
fi

# munge: the authentication both daemons and every client use.
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! pgrep -x munged > /dev/null; then
  runuser -u munge -- /usr/sbin/munged
fi

rm -rf "$dir" && mkdir -p "$dir/state" "$dir/spool"
host=$(hostname -s)
node=$(slurmd -C | head -n 1)
mkdir -p /etc/slurm
cat > /etc/slurm/slurm.conf <<CONF
# A single-node Slurm for automl's tests (scripts/slurm-start.sh).
ClusterName=automl-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
MinJobAge=300
KillWait=5
ReturnToService=2
MpiDefault=none
$node
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld
slurmd
for _ in $(seq 1 200); do
  state=$(sinfo -h -o %t 2>/dev/null | head -n 1 || true)
  if [ "$state" = "idle" ]; then
    echo "slurm-start: single-node Slurm up ($host, $(sinfo -h -o %c) CPUs, partition debug; logs in $dir)"
    exit 0
  fi
  sleep 0.1
done
echo "slurm-start: the node did not become idle (sinfo: $(sinfo 2>&1 | tail -n 2)); see $dir/slurmctld.log and $dir/slurmd.log" >&2
exit 1
