#!/usr/bin/env bash
# `make check-cluster`: the launchers beyond one machine, with the real
# programs.  A small sweep (fig1, 2 variants x 2 seeds) run by GNU parallel
# and as a Slurm job array on a real single-node cluster (munged, slurmctld
# and slurmd started here, as root, without systemd), each collected and
# reported; every CSV must equal the local launcher's byte for byte
# (wall_time_s aside).  One parallel run is stopped by SIGTERM and one
# array task cancelled mid-run (scancel); each run is resumed with `bnexp
# run --resume --launcher ...` and must give the same CSVs again; sbatch
# refusing a job is shown.  The claims suite (two tiny experiments with
# rules) as one job array over its queue must give the local pool's CSVs
# and claims.csv, waited for (--wait) or collected by --resume.  A part
# whose programs are missing (or, for the daemons, without root) prints
# SKIP and why and passes.  Daemons are
# stopped by their PIDs, also when a check fails.  Not a tests/cli_*.sh, so
# that the sanitizer stages do not run it again.  Ends with "N passed, N
# failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
bnexp=$(cd "$(dirname "$BNEXP")" && pwd)/$(basename "$BNEXP")
tmp=$(mktemp -d /tmp/bnexp-cluster.XXXXXX)
. tests/slurm.sh   # start_slurm, stop_daemons, daemons
cleanup() {
    stop_daemons
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. tests/checks.sh

# 2 variants x 2 seeds of a small fig1; long enough (about a second a
# trial) to be stopped mid-way, checkpoints between records.
args=(fig1 --set steps=1500 --set eval_every=100 --set checkpoint_every=130
      --set hidden_units=32 --seeds 2)

# report_same A B: bnexp report of both runs, the tables equal but for the
# wall time column.
report_same() {
    local a=$1 b=$2
    "$bnexp" report --run "$a" >/dev/null 2>&1 && "$bnexp" report --run "$b" >/dev/null 2>&1 &&
        cmp -s <(grep '^|' "$a/report.md" | awk -F'|' '{NF--; $NF=""; print}') \
               <(grep '^|' "$b/report.md" | awk -F'|' '{NF--; $NF=""; print}')
}

# --- the reference: the local launcher ---
if out=$("$bnexp" run "${args[@]}" --jobs 1 --out "$tmp/local" 2>&1) &&
   [ "$(grep -c ',done,1500,' "$tmp/local/summary.csv")" = 4 ]; then ok "reference run, local launcher"
else fail "reference run" "$out"; echo "$passed passed, $failed failed"; exit 1; fi

# --- GNU parallel ---
if ! command -v parallel >/dev/null 2>&1; then
    echo "SKIP GNU parallel: not on PATH (apt-get install parallel)"; skip "GNU parallel launcher"
else
    t0=$SECONDS
    if out=$("$bnexp" run "${args[@]}" --launcher parallel --jobs 2 --out "$tmp/par" 2>&1) &&
       d=$(same_run_csvs "$tmp/local" "$tmp/par"); then
        ok "parallel: every CSV equals the local launcher's ($((SECONDS - t0)) s)"
    else fail "parallel: the local launcher's CSVs" "$out ${d:-}"; fi
    [ "$(wc -l <"$tmp/par/commands.txt")" = 4 ] && grep -q "trial '$tmp/par' 3$" "$tmp/par/commands.txt" &&
        ok "parallel: RUN/commands.txt, a trial command a line" || fail "parallel: commands.txt" "$(cat "$tmp/par/commands.txt")"
    report_same "$tmp/local" "$tmp/par" && ok "parallel: report equals the local run's" || fail "parallel: report"
    # stopped by SIGTERM while the trials run, then resumed with parallel
    "$bnexp" run "${args[@]}" --launcher parallel --jobs 2 --out "$tmp/par2" >"$tmp/par2.out" 2>&1 &
    pid=$!
    for _ in $(seq 300); do [ -s "$tmp/par2/bn/seed-1/metrics.csv" ] || [ -s "$tmp/par2/baseline/seed-2/metrics.csv" ] && break; sleep 0.05; done
    sleep 0.3
    kill -TERM $pid
    wait $pid
    rc=$?
    states=$("$bnexp" status --run "$tmp/par2" 2>&1 | tail -n 2 | head -n 1)
    echo "#  parallel stopped by SIGTERM: exit $rc; $states"
    [ $rc = 143 ] && ok "parallel: SIGTERM stops the run (exit 143)" || fail "parallel: SIGTERM exit $rc" "$(tail "$tmp/par2.out")"
    if out=$("$bnexp" run fig1 --resume "$tmp/par2" --launcher parallel --jobs 2 2>&1) && d=$(same_run_csvs "$tmp/local" "$tmp/par2"); then
        ok "parallel: resumed with --resume --launcher parallel, the same CSVs"
    else fail "parallel: resume" "$out ${d:-}"; fi
    # one job's trial killed by SIGKILL (the OOM killer, a node's reboot):
    # parallel runs the others, the run says which failed, --resume redoes it
    "$bnexp" run "${args[@]}" --launcher parallel --jobs 2 --out "$tmp/par3" >"$tmp/par3.out" 2>&1 &
    pid=$!
    for _ in $(seq 300); do [ -s "$tmp/par3/baseline/seed-1/metrics.csv" ] && break; sleep 0.05; done
    sleep 0.3
    victim=$(pgrep -f "trial $tmp/par3 0\$" | head -n 1)
    [ -n "$victim" ] && kill -KILL "$victim" || victim=""   # empty: trial 0 had ended already
    wait $pid
    rc=$?
    st=$("$bnexp" status --run "$tmp/par3" 2>&1)
    echo "#  parallel: trial 0 (PID ${victim:-none}) killed by SIGKILL: exit $rc; $(tail -n 2 <<<"$st" | head -n 1)"
    if [ -n "$victim" ] && [ $rc != 0 ] && grep -q "^ *0  baseline  *1  " <<<"$st" && ! grep -q "^ *0  baseline  *1  done" <<<"$st" &&
       [ "$(grep -c "  done " <<<"$st")" = 3 ]; then
        ok "parallel: a trial killed by SIGKILL fails the run (exit $rc); status shows it not done, the other three done"
    else fail "parallel: a trial killed by SIGKILL" "victim ${victim:-none} exit $rc $st $(tail "$tmp/par3.out")"; fi
    if out=$("$bnexp" run fig1 --resume "$tmp/par3" --launcher parallel --jobs 2 2>&1) &&
       [ "$(wc -l <"$tmp/par3/commands.txt")" = 1 ] && d=$(same_run_csvs "$tmp/local" "$tmp/par3"); then
        ok "parallel: --resume runs only the killed trial, and the CSVs equal the local run's"
    else fail "parallel: resume after SIGKILL" "$out ${d:-} $(cat "$tmp/par3/commands.txt")"; fi
fi

# --- Slurm: a real single-node cluster (tests/slurm.sh) ---

t0=$SECONDS
if start_slurm; then
    ok "Slurm: munged, slurmctld and slurmd up ($((SECONDS - t0)) s)"
    t0=$SECONDS
    if out=$("$bnexp" run "${args[@]}" --launcher slurm --max-parallel 2 --wait --out "$tmp/slurm" 2>&1) &&
       d=$(same_run_csvs "$tmp/local" "$tmp/slurm"); then
        ok "slurm: the job array's CSVs equal the local launcher's ($((SECONDS - t0)) s)"
    else fail "slurm: the local launcher's CSVs" "$out ${d:-} $(cat "$tmp"/slurm/logs/* 2>/dev/null | tail)"; fi
    if grep -q "^#SBATCH --array=0-3%2$" "$tmp/slurm/slurm.sh" && grep -q "^#SBATCH --cpus-per-task=1$" "$tmp/slurm/slurm.sh" &&
       grep -q '"job_id"' "$tmp/slurm/slurm.json" && [ "$(ls "$tmp/slurm/logs" | wc -l)" = 4 ]; then
        ok "slurm: slurm.sh (--array=0-3%2, --cpus-per-task), the job id in slurm.json, a log per task"
    else fail "slurm: slurm.sh and slurm.json" "$(cat "$tmp/slurm/slurm.sh" "$tmp/slurm/slurm.json"; ls "$tmp/slurm/logs")"; fi
    report_same "$tmp/local" "$tmp/slurm" && ok "slurm: report equals the local run's" || fail "slurm: report"
    # one array task cancelled mid-run, then the run resubmitted with --resume
    t0=$SECONDS
    out=$("$bnexp" run "${args[@]}" --launcher slurm --max-parallel 2 --out "$tmp/cancel" 2>&1)
    job=$(sed -n 's/.*submitted Slurm job \([0-9]*\).*/\1/p' <<<"$out")
    for _ in $(seq 300); do [ -s "$tmp/cancel/baseline/seed-1/metrics.csv" ] && break; sleep 0.1; done
    sleep 0.3
    scancel "${job}_0"
    for _ in $(seq 300); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.2; done
    st=$("$bnexp" status --run "$tmp/cancel" 2>&1)
    echo "#  slurm: task ${job}_0 cancelled; $(tail -n 2 <<<"$st" | head -n 1)"
    if grep -q "^ *0  baseline  *1  interrupted" <<<"$st" && grep -q '"status":	"interrupted"' "$tmp/cancel/baseline/seed-1/manifest.json"; then
        ok "slurm: the cancelled task's trial stopped with a checkpoint (Slurm's SIGTERM, status interrupted)"
    else fail "slurm: cancelled task interrupted" "$st $out $(cat "$tmp"/cancel/logs/*_0.out)"; fi
    if out=$("$bnexp" collect --run "$tmp/cancel" 2>&1); [ $? = 0 ] && grep -q ",interrupted," "$tmp/cancel/summary.csv"; then
        ok "slurm: collect after the cancel names the interrupted trial in summary.csv"
    else fail "slurm: collect after the cancel" "$out"; fi
    if out=$("$bnexp" run fig1 --resume "$tmp/cancel" --launcher slurm --wait 2>&1) &&
       grep -q "#SBATCH --array=0$" "$tmp/cancel/slurm.sh" && d=$(same_run_csvs "$tmp/local" "$tmp/cancel"); then
        ok "slurm: --resume --launcher slurm resubmits only trial 0, and the CSVs equal the local run's ($((SECONDS - t0)) s)"
    else fail "slurm: resume after scancel" "$out ${d:-} $(cat "$tmp/cancel/slurm.sh")"; fi
    [ "$(grep -c job_id "$tmp/cancel/slurm.json")" = 2 ] && ok "slurm: both submissions in slurm.json" || fail "slurm.json" "$(cat "$tmp/cancel/slurm.json")"
    # the node dies while the array runs: slurmd, the task's slurmstepd
    # and the trials killed by SIGKILL (nothing is told to stop), the node
    # marked DOWN, brought back; --no-requeue, as on a cluster that does
    # not requeue: the lost tasks stay lost until --resume
    host=$(hostname -s)
    t0=$SECONDS
    out=$("$bnexp" run "${args[@]}" --launcher slurm --max-parallel 2 --sbatch "--no-requeue" --out "$tmp/dead" 2>&1)
    job=$(sed -n 's/.*submitted Slurm job \([0-9]*\).*/\1/p' <<<"$out")
    for _ in $(seq 300); do [ -s "$tmp/dead/baseline/seed-1/metrics.csv" ] && break; sleep 0.1; done
    sleep 0.3
    scontrol update NodeName="$host" State=DRAIN Reason=bnexp-test-dead-node
    kill -KILL "${daemons[0]}"; wait "${daemons[0]}" 2>/dev/null
    # every slurmstepd on the host: this test's slurmd is the only one
    # (start_slurm refuses a machine where another would answer)
    pkill -KILL -x slurmstepd
    killed=$(pkill -KILL -c -f "trial $tmp/dead\$")
    scontrol update NodeName="$host" State=DOWN Reason=bnexp-test-dead-node
    for _ in $(seq 150); do [ -z "$(squeue -h -r -j "$job" -t running 2>/dev/null)" ] && break; sleep 0.2; done
    lost=$("$bnexp" status --run "$tmp/dead" 2>&1)
    slurmd -D >"$tmp/slurm/slurmd-2.out" 2>&1 &
    daemons=($! "${daemons[@]:1}")
    scontrol update NodeName="$host" State=RESUME
    for _ in $(seq 600); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.2; done
    after=$("$bnexp" status --run "$tmp/dead" 2>&1)
    echo "#  slurm: node DOWN with tasks 0 and 1 running; then: $(tail -n 2 <<<"$lost" | head -n 1); after RESUME: $(tail -n 2 <<<"$after" | head -n 1)"
    if [ "${killed:-0}" -ge 1 ] && ! grep -q "^ *[01]  .*  done" <<<"$lost" && grep -q "^ *0  baseline  *1  " <<<"$lost" &&
       [ "$(grep -c "  done " <<<"$after")" = 2 ] && ! grep -q "^ *[01]  .*  done" <<<"$after"; then
        ok "slurm: a node killed mid-array: status shows tasks 0 and 1 lost, 2 and 3 run when the node is back"
    else fail "slurm: status after the node died" "$lost
$after
trials killed: ${killed:-0} $(sinfo 2>&1) $(tail -n 5 "$tmp/slurm/slurmctld.log")"; fi
    if out=$("$bnexp" run fig1 --resume "$tmp/dead" --launcher slurm --wait 2>&1) &&
       grep -q "#SBATCH --array=0-1$" "$tmp/dead/slurm.sh" && d=$(same_run_csvs "$tmp/local" "$tmp/dead"); then
        ok "slurm: --resume resubmits only the lost trials 0-1, and the CSVs equal the local run's ($((SECONDS - t0)) s)"
    else fail "slurm: resume after the node died" "$out ${d:-} $(cat "$tmp/dead/slurm.sh")"; fi
    # hostile names: a run directory with spaces, both quotes, $(...),
    # backticks, ';' and a leading '-' through slurm.sh and its logs
    # (--out relative to the directory it is given in, so that the argument
    # itself begins with '-')
    mkdir -p "$tmp/hostile-cwd"
    name="-it's a \"run\" \$(touch pwned) \`touch pwned2\`; x"
    hostile="$tmp/hostile-cwd/$name"
    t0=$SECONDS
    if out=$(cd "$tmp/hostile-cwd" && "$bnexp" run "${args[@]}" --launcher slurm --max-parallel 2 --wait --out "$name" 2>&1) &&
       d=$(same_run_csvs "$tmp/local" "$hostile") && [ "$(ls "$hostile/logs" | wc -l)" = 4 ]; then
        ok "slurm: a run directory named $(basename "$hostile"): the CSVs equal the local run's, a log per task ($((SECONDS - t0)) s)"
    else fail "slurm: a hostile run directory" "$out ${d:-} $(ls -R "$tmp/hostile-cwd" "$hostile" 2>&1 | head -20)"; fi
    if [ -z "$(find "$PWD" / -xdev -maxdepth 1 -name 'pwned*' 2>/dev/null)" ] && [ -z "$(find "$tmp" -name 'pwned*')" ]; then
        ok "slurm: nothing in the name was executed (no file pwned or pwned2)"
    else fail "slurm: a name was executed" "$(find "$tmp" / -xdev -maxdepth 1 -name 'pwned*')"; fi
    expect_exit "slurm: sbatch refusing the job, its message shown" 1 "sbatch refused the job.*nosuchpartition\|sbatch refused the job.*[Ii]nvalid partition" \
        "$bnexp" run "${args[@]}" --launcher slurm --sbatch "--time=10 --partition=nosuchpartition" --out "$tmp/refused"
    [ ! -e "$tmp/refused/slurm.json" ] && ok "slurm: a refused job is not recorded" || fail "slurm: refused job recorded"
    # the claims suite as one job array: two experiments with rules, their
    # trials in one queue (SUITE/tasks.txt), against the local pool's suite
    home=$tmp/home
    mkdir -p "$home/experiments" "$tmp/work-local" "$tmp/work-slurm"
    ln -s "$PWD/datasets" "$home/datasets"
    ln -s "$PWD/plots" "$home/plots"
    for e in small:32:200 wide:128:300; do
        IFS=: read -r name units steps <<<"$e"
        printf '[experiment]\nhidden_layers = 1\nhidden_units = %s\nsteps = %s\neval_every = 100\nprobe_size = 100\ntrain_eval_size = 100\ncheckpoint_every = 50\nseeds = 2\n[variant.bn]\nbn = true\n[variant.plain]\nbn = false\n[verdict]\nclaim = 1\nstatement = %s learns\nwritten = in the test\nmeasure = mean(final_test_accuracy)\nholds = > 0\n' \
            "$units" "$steps" "$name" >"$home/experiments/$name.ini"
    done
    (cd "$tmp/work-local" && BNEXP_HOME="$home" "$bnexp" run claims --jobs 2 >"$tmp/suite-local.out" 2>&1) ||
        fail "suite: the local pool's reference" "$(cat "$tmp/suite-local.out")"
    t0=$SECONDS
    if out=$(cd "$tmp/work-slurm" && BNEXP_HOME="$home" "$bnexp" run claims --launcher slurm --max-parallel 2 --wait 2>&1) &&
       d1=$(same_run_csvs "$tmp/work-local/runs/small/latest" "$tmp/work-slurm/runs/small/latest") &&
       d2=$(same_run_csvs "$tmp/work-local/runs/wide/latest" "$tmp/work-slurm/runs/wide/latest") &&
       grep -q '^wide: claim 1 "wide learns": holds' <<<"$out" &&
       cmp -s <(sed 's#runs/[a-z]*/[0-9-]*#RUN#' "$tmp/work-local/runs/claims.csv") <(sed 's#runs/[a-z]*/[0-9-]*#RUN#' "$tmp/work-slurm/runs/claims.csv"); then
        ok "slurm: the claims suite as one job array, its CSVs and claims.csv the local pool's ($((SECONDS - t0)) s)"
    else fail "slurm: the claims suite as one job array" "$out ${d1:-} ${d2:-} $(cat "$tmp"/work-slurm/runs/claims/latest/logs/* 2>/dev/null | tail)"; fi
    suite=$tmp/work-slurm/runs/claims/latest
    if grep -q "^#SBATCH --array=0-7%2$" "$suite/slurm.sh" && grep -q "^#SBATCH --job-name=bnexp-claims$" "$suite/slurm.sh" &&
       grep -q "trial '[^']*/runs/claims/[0-9-]*'$" "$suite/slurm.sh" && [ "$(wc -l <"$suite/tasks.txt")" = 8 ] &&
       [ "$(head -4 "$suite/tasks.txt" | grep -c "/runs/wide/")" = 4 ] && [ "$(ls "$suite/logs" | wc -l)" = 8 ]; then
        ok "slurm: one array over SUITE/tasks.txt (wide's trials first), a log per task"
    else fail "slurm: the suite's slurm.sh and tasks.txt" "$(cat "$suite/slurm.sh" "$suite/tasks.txt"; ls "$suite/logs")"; fi
    # submitted without --wait, then collected by --resume once the job has left the queue
    out=$(cd "$tmp/work-slurm" && BNEXP_HOME="$home" "$bnexp" run claims --only small --launcher slurm 2>&1)
    job=$(sed -n 's/.*submitted Slurm job \([0-9]*\).*/\1/p' <<<"$out")
    for _ in $(seq 300); do [ -n "$job" ] && [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.2; done
    if grep -q "bnexp run claims --resume runs/claims/[0-9-]* --launcher slurm\` collects every experiment" <<<"$out" &&
       out2=$(cd "$tmp/work-slurm" && BNEXP_HOME="$home" "$bnexp" run claims --resume --launcher slurm 2>&1) &&
       grep -q "1 experiment(s), 0 of 4 trial(s) to run" <<<"$out2" && grep -q '^small: claim 1 "small learns": holds' <<<"$out2" &&
       d=$(same_run_csvs "$tmp/work-local/runs/small/latest" "$tmp/work-slurm/runs/small/latest"); then
        ok "slurm: a suite submitted without --wait, collected by run claims --resume --launcher slurm when the job has ended (nothing left to submit)"
    else fail "slurm: the suite without --wait" "$out ${out2:-} ${d:-}"; fi
else
    skip "Slurm launcher"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
