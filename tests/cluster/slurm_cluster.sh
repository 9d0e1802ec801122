# shellcheck shell=bash
# A throw-away single-node Slurm cluster (munged + slurmctld + slurmd) for tests.
# Source this file, then:
#
#   slurm_up DIR          start the cluster; everything it writes lives under DIR
#                         (DIR/{munge,etc,state,spool,log}, wiped at each start).
#                         Exports SLURM_CONF so sbatch/squeue/sinfo/scancel/scontrol
#                         talk to it. Returns 0 when the node is idle, 1 on failure
#                         (daemon logs go to stderr), 2 if not root (callers: skip).
#   slurm_down            stop jobs and daemons; idempotent, fine for `trap slurm_down EXIT`.
#   slurm_wait_all [S]    wait (default 60 s) until squeue shows no job; 1 on timeout.
#   slurm_job_states      print `squeue -t all -h -o '%i %T'` (MinJobAge=300 keeps
#                         finished jobs listed; there is no sacct without slurmdbd).
#
# Also exported by slurm_up: ALCHAIN_SLURM_DIR, ALCHAIN_SLURM_NODE.
# slurm_up unsets SLURM_*/SBATCH_*/SQUEUE_*/SINFO_*/... input variables (except
# SLURM_CONF) so an outer Slurm job or a user's SQUEUE_FORMAT cannot leak into tests.
#
# Not reentrant: the daemons listen on fixed ports (ALCHAIN_SLURM_CTLD_PORT,
# default 16817, and ALCHAIN_SLURM_SLURMD_PORT, default 16818), so only one
# cluster may run per machine at a time (ctest: RESOURCE_LOCK slurm_cluster).
# slurm_up records its DIR and its shell's pid in /tmp/alchain-slurm-harness.last: a
# cluster left behind by a killed run is stopped by the next slurm_up, while one whose
# owner is still alive makes slurm_up fail (return 1) rather than be disturbed.
# slurm_down only stops the cluster this shell started (ALCHAIN_SLURM_DIR inherited
# by a child process is not enough), so a child's EXIT trap cannot take it down.
#
# The functions do not depend on the caller's `set -e`/`-u`/`pipefail`: every
# command that may fail is checked explicitly and each function returns a status.

_ALCHAIN_SLURM_LAST=/tmp/alchain-slurm-harness.last
_ALCHAIN_SLURM_UP_DIR=     # not exported: the cluster this shell started

_slurm_log() { echo "slurm_cluster: $*" >&2; }

# True if PID is alive (not a zombie) and its command name is NAME.
_slurm_alive() {
  local pid=$1 name=$2 comm stat
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $comm == "$name" ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }            # the field after "(comm) " is the state letter
  [[ ${stat:0:1} != Z ]]
}

_slurm_pid_from() {             # print the pid stored in FILE, if any
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  pid=${pid//[[:space:]]/}
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

# Stop the daemon NAME whose pid is in PIDFILE: SIGTERM, up to 10 s, then SIGKILL.
_slurm_stop_pidfile() {
  local file=$1 name=$2 pid i
  pid=$(_slurm_pid_from "$file") || return 0
  if _slurm_alive "$pid" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      _slurm_alive "$pid" "$name" || break
      sleep 0.1
    done
    if _slurm_alive "$pid" "$name"; then
      _slurm_log "$name (pid $pid) ignored SIGTERM, killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file" 2>/dev/null || true
  return 0
}

# Kill slurmstepd processes started by the slurmd of cluster DIR (they outlive slurmd).
# slurmd runs with ALCHAIN_SLURM_DIR=DIR in its environment, and its steps inherit it.
_slurm_kill_stepds() {
  local dir=$1 p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    _slurm_alive "$pid" slurmstepd || continue
    if tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qxF "ALCHAIN_SLURM_DIR=$dir"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  return 0
}

# Stop whatever cluster lives in DIR (jobs first if slurmctld still answers).
_slurm_stop_dir() {
  local dir=$1 conf=$1/etc/slurm.conf ctld_pid i
  [[ -n $dir && -d $dir ]] || return 0
  if ctld_pid=$(_slurm_pid_from "$dir/run/slurmctld.pid") && _slurm_alive "$ctld_pid" slurmctld \
    && [[ -r $conf ]]; then
    # Cancel all jobs so no job processes outlive the cluster; give them a moment.
    SLURM_CONF=$conf timeout 10 scancel --quiet --user="$(id -un)" >/dev/null 2>&1 || true
    for ((i = 0; i < 30; i++)); do
      [[ -z $(SLURM_CONF=$conf timeout 5 squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.2
    done
  fi
  _slurm_stop_pidfile "$dir/run/slurmd.pid" slurmd
  _slurm_stop_pidfile "$dir/run/slurmctld.pid" slurmctld
  _slurm_stop_pidfile "$dir/munge/munged.pid" munged
  _slurm_kill_stepds "$dir"
  return 0
}

slurm_down() {
  local dir=${_ALCHAIN_SLURM_UP_DIR:-} owner='' last=''
  [[ -n $dir ]] || return 0
  _slurm_stop_dir "$dir"
  if [[ ${SLURM_CONF:-} == "$dir/etc/slurm.conf" ]]; then unset SLURM_CONF; fi
  _slurm_read_registry
  if [[ $last == "$dir" ]]; then rm -f "$_ALCHAIN_SLURM_LAST" 2>/dev/null || true; fi
  unset ALCHAIN_SLURM_DIR ALCHAIN_SLURM_NODE
  _ALCHAIN_SLURM_UP_DIR=
  return 0
}

# Set the caller's locals owner and last from the registry (empty if none).
_slurm_read_registry() {
  owner='' last=''
  if [[ -r $_ALCHAIN_SLURM_LAST ]]; then
    { read -r owner; read -r last; } < "$_ALCHAIN_SLURM_LAST" 2>/dev/null || true
  fi
  return 0
}

# Print the daemon logs (to stderr) after a failed start.
_slurm_dump_logs() {
  local dir=$1 f
  for f in "$dir/munge/munged.log" "$dir/log/slurmctld.log" "$dir/log/slurmd.log"; do
    [[ -e $f ]] || continue
    echo "----- $f (last 60 lines) -----" >&2
    tail -n 60 "$f" >&2 || true
  done
  return 0
}

_slurm_fail() {
  _slurm_log "$1"
  _slurm_dump_logs "$2"
  _slurm_stop_dir "$2"
  return 1
}

_slurm_write_conf() {         # DIR NODE
  local dir=$1 node=$2 cpus mem_kb mem_mb
  cpus=$(nproc 2>/dev/null) || cpus=1
  mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null) || mem_kb=
  [[ $mem_kb =~ ^[0-9]+$ ]] || mem_kb=1048576
  mem_mb=$((mem_kb * 9 / 10240))   # below the real size, or slurmd drains the node
  : > "$dir/etc/plugstack.conf" || return 1    # keep /etc/slurm/plugstack.conf out
  cat > "$dir/etc/slurm.conf" <<EOF || return 1
# Generated by tests/cluster/slurm_cluster.sh: single-node throw-away cluster.
ClusterName=alchaintest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=${ALCHAIN_SLURM_CTLD_PORT:-16817}
SlurmdPort=${ALCHAIN_SLURM_SLURMD_PORT:-16818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/sock/munge.socket
CredType=cred/munge
MpiDefault=none
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Schedule on every job event (default: at most every 3 s) and backfill every second.
SchedulerParameters=batch_sched_delay=0,bf_interval=1
# A job whose dependency can never be satisfied (e.g. afterok on a failed array
# task) is cancelled instead of pending forever.
DependencyParameters=kill_invalid_depend
# Keep finished jobs visible to "squeue -t all" for 5 min (no accounting database).
MinJobAge=300
ReturnToService=2
InactiveLimit=0
KillWait=5
MailProg=/bin/true
PlugStackConfig=$dir/etc/plugstack.conf
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

slurm_up() {
  local dir=${1:-} node owner='' last='' pid i state sub
  if [[ -z $dir ]]; then _slurm_log "usage: slurm_up DIR"; return 1; fi
  if [[ $(id -u) != 0 ]]; then
    _slurm_log "must run as root (munged/slurmd need it); skipping"
    return 2
  fi
  for i in munged mungekey slurmctld slurmd sbatch squeue sinfo scancel; do
    if ! command -v "$i" >/dev/null 2>&1 && [[ ! -x /usr/sbin/$i ]]; then
      _slurm_log "$i not found (install munge, slurmctld, slurmd, slurm-client)"
      return 1
    fi
  done
  if ! mkdir -p "$dir" || ! dir=$(cd "$dir" && pwd -P); then
    _slurm_log "cannot create $dir"
    return 1
  fi
  [[ $dir != / ]] || { _slurm_log "refusing DIR=/"; return 1; }

  # Leave alone a cluster that another live process is using; stop one left over by a
  # killed run, and this shell's own previous one.
  _slurm_read_registry
  if [[ -n $last ]]; then
    if [[ $owner =~ ^[0-9]+$ && $owner != "$$" ]] && kill -0 "$owner" 2>/dev/null \
      && pid=$(_slurm_pid_from "$last/run/slurmctld.pid") && _slurm_alive "$pid" slurmctld; then
      _slurm_log "the test cluster in $last is in use by process $owner; the harness is" \
        "not reentrant (ctest: RESOURCE_LOCK); remove $_ALCHAIN_SLURM_LAST if that is wrong"
      return 1
    fi
    _slurm_stop_dir "$last"
  fi
  slurm_down
  _slurm_stop_dir "$dir"

  _ALCHAIN_SLURM_UP_DIR=$dir
  export ALCHAIN_SLURM_DIR=$dir
  printf '%s\n%s\n' "$$" "$dir" > "$_ALCHAIN_SLURM_LAST" 2>/dev/null || true
  for sub in munge etc state spool log run; do
    rm -rf "${dir:?}/$sub" || { _slurm_log "cannot wipe $dir/$sub"; return 1; }
  done
  # munged wants owner-only dirs for its key/log/pid and a world-searchable socket
  # dir (0755). It also wants every parent of the socket searchable by all, which a
  # mktemp -d DIR (0700) is not; --force turns that into a warning (clients are root).
  if ! mkdir -m 700 "$dir/munge" || ! mkdir -m 755 "$dir/munge/sock" \
    || ! mkdir -p "$dir/etc" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"; then
    _slurm_log "cannot create directories under $dir"
    return 1
  fi

  node=$(hostname -s 2>/dev/null) || node=
  [[ -n $node ]] || node=localhost
  export ALCHAIN_SLURM_NODE=$node
  _slurm_write_conf "$dir" "$node" || { _slurm_log "cannot write $dir/etc/slurm.conf"; return 1; }

  # Clients must not pick up settings meant for some other cluster or job.
  while read -r i; do
    [[ $i == SLURM_CONF ]] || unset "$i"
  done < <(compgen -e | grep -E '^(SLURM|SBATCH|SQUEUE|SINFO|SCANCEL|SCONTROL|SALLOC|SRUN)_' || true)
  export SLURM_CONF=$dir/etc/slurm.conf

  # Another cluster (or anything) on our ports would make the daemons fail obscurely.
  for i in "${ALCHAIN_SLURM_CTLD_PORT:-16817}" "${ALCHAIN_SLURM_SLURMD_PORT:-16818}"; do
    if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$i" 2>/dev/null; then
      _slurm_log "port $i is in use (another test cluster running? the harness is not reentrant)"
      return 1
    fi
  done

  local sock=$dir/munge/sock/munge.socket
  mungekey -c -k "$dir/munge/munge.key" >/dev/null 2>&1 \
    || { _slurm_fail "mungekey failed" "$dir"; return 1; }
  munged --force -S "$sock" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" >/dev/null 2>"$dir/log/munged.err" \
    || { cat "$dir/log/munged.err" >&2; _slurm_fail "munged failed to start" "$dir"; return 1; }

  # Both daemonize and write their pid files; -c: no saved state to recover.
  # ALCHAIN_SLURM_DIR in their environment marks their slurmstepds (_slurm_kill_stepds).
  slurmctld -c -f "$SLURM_CONF" >/dev/null 2>"$dir/log/slurmctld.err" \
    || { cat "$dir/log/slurmctld.err" >&2; _slurm_fail "slurmctld failed to start" "$dir"; return 1; }
  slurmd -f "$SLURM_CONF" >/dev/null 2>"$dir/log/slurmd.err" \
    || { cat "$dir/log/slurmd.err" >&2; _slurm_fail "slurmd failed to start" "$dir"; return 1; }

  # Wait for the node to register and become idle; fail early if a daemon died
  # (a daemon that dies during start may leave no pid file: allow 10 s for it).
  local start=$SECONDS
  state=
  while ((SECONDS - start < 30)); do
    state=$(timeout 3 sinfo -h -o %T 2>/dev/null) || state=
    [[ $state == idle ]] && return 0
    for sub in slurmctld slurmd; do
      if pid=$(_slurm_pid_from "$dir/run/$sub.pid"); then
        _slurm_alive "$pid" "$sub" || { _slurm_fail "$sub died during start" "$dir"; return 1; }
      elif ((SECONDS - start >= 10)); then
        _slurm_fail "$sub wrote no pid file (died during start?)" "$dir"
        return 1
      fi
    done
    sleep 0.5
  done
  _slurm_fail "node not idle after 30 s (sinfo state: '${state}')" "$dir"
  return 1
}

# Wait until no job is pending/running/completing; 1 on timeout or if squeue fails.
slurm_wait_all() {
  local timeout_s=${1:-60} start out rc
  [[ -n $_ALCHAIN_SLURM_UP_DIR ]] || { _slurm_log "no cluster is up"; return 1; }
  [[ $timeout_s =~ ^[0-9]+$ ]] || { _slurm_log "slurm_wait_all: bad timeout '$timeout_s'"; return 1; }
  start=$SECONDS
  while :; do
    rc=0
    out=$(timeout 10 squeue -h -o '%i %T') || rc=$?
    if ((rc == 0)); then
      [[ -z $out ]] && return 0
    else
      _slurm_log "squeue failed (exit $rc)"
    fi
    if ((SECONDS - start >= timeout_s)); then
      _slurm_log "jobs still queued after ${timeout_s} s:"
      echo "$out" >&2
      return 1
    fi
    sleep 0.5
  done
}

slurm_job_states() {
  [[ -n $_ALCHAIN_SLURM_UP_DIR ]] || { _slurm_log "no cluster is up"; return 1; }
  timeout 10 squeue -t all -h -o '%i %T'
}
