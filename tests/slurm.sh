# Sourced by tests/cluster.sh and scripts/slurm-subset-check.sh: a real
# single-node Slurm cluster for the launcher checks.
#   start_slurm   munged, slurmctld and slurmd started here, as root and
#                 without systemd, their state and logs in $tmp/slurm (the
#                 caller's temporary directory), SLURM_CONF exported; returns
#                 0 once the node is idle, else prints "SKIP Slurm: why"
#                 (a program missing, not root, no munge key, a daemon that
#                 did not start) and returns 1
#   stop_daemons  every daemon in `daemons` stopped by its PID (TERM, then
#                 KILL after 5 s), munged's socket removed; call it on exit,
#                 also when a check fails
daemons=()     # PIDs of the daemons started here, stopped in this order
sock=""        # munged's socket, removed at the end
stop_daemons() {
    local p
    for p in "${daemons[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${daemons[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    [ -n "$sock" ] && rm -f "$sock" "$sock.lock" "$sock.pid"
}

start_slurm() {
    local c
    for c in munged slurmctld slurmd sbatch squeue scancel sinfo setpriv; do
        command -v $c >/dev/null 2>&1 || { echo "SKIP Slurm: $c is not on PATH (apt-get install slurmctld slurmd slurm-client munge)"; return 1; }
    done
    [ "$(id -u)" = 0 ] || { echo "SKIP Slurm: the daemons need root (as in CI)"; return 1; }
    [ -r /etc/munge/munge.key ] || { echo "SKIP Slurm: no /etc/munge/munge.key (the munge package makes it)"; return 1; }
    local s=$tmp/slurm host mem port
    host=$(hostname -s)
    mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    mem=$(( ${mem:-2000} / 2 ))
    port=$((20000 + RANDOM % 20000))
    mkdir -p "$s/state" "$s/spool" /run/munge
    chown munge:munge /run/munge && chmod 755 /run/munge
    sock=/run/munge/bnexp-test-$$.socket
    cat >"$s/slurm.conf" <<EOC
ClusterName=bnexptest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
MpiDefault=none
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
KillWait=10
SlurmctldLogFile=$s/slurmctld.log
SlurmdLogFile=$s/slurmd.log
NodeName=$host CPUs=2 RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOC
    export SLURM_CONF=$s/slurm.conf
    setpriv --reuid=munge --regid=munge --init-groups munged --foreground --socket="$sock" \
        --pid-file="$sock.pid" --log-file=/dev/null >"$s/munged.out" 2>&1 &
    daemons+=($!)
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { echo "SKIP Slurm: munged did not start: $(cat "$s/munged.out")"; return 1; }
    slurmctld -D -i >"$s/slurmctld.out" 2>&1 &
    daemons=($! "${daemons[@]}")
    slurmd -D >"$s/slurmd.out" 2>&1 &
    daemons=($! "${daemons[@]}")
    for _ in $(seq 100); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return 0; sleep 0.2; done
    echo "SKIP Slurm: the node did not come up: $(sinfo 2>&1) $(tail -n 5 "$s"/*.out)"
    return 1
}
