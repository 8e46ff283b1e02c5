#!/bin/bash
# A fuzzing campaign of one target, measured in CPU time rather than wall
# time, so that an hour is an hour of fuzzing also on a machine shared with
# other work:
#
#   tests/fuzz/campaign.sh TARGET CPU_SECONDS
#
# Runs build-fuzz/TARGET (make fuzz builds it) on build-fuzz/corpus/TARGET
# (new inputs go there) and the checked-in seeds and regressions, stops it
# with SIGINT once the process has used CPU_SECONDS of CPU (user + system,
# from /proc/PID/stat), and appends one line to build-fuzz/campaign.txt:
#
#   DATE TARGET cpu_s=... wall_s=... execs=... new_units=... cov=... ft=...
#   corpus=... slow_units=N finding=none|FILE
#
# Exit status 1 on a finding (its input in build-fuzz/artifacts/TARGET/),
# else 0.  The log is build-fuzz/campaign-TARGET.log.  To stop a campaign
# early and still get its line, send SIGTERM (or Ctrl-C in a terminal): a
# script started in the background by a non-interactive shell ignores
# SIGINT and cannot trap it.
set -u
target=${1:?usage: campaign.sh TARGET CPU_SECONDS}
budget=${2:?usage: campaign.sh TARGET CPU_SECONDS}
bin=build-fuzz/$target
[ -x "$bin" ] || { echo "campaign: $bin not built (make build-fuzz/$target)" >&2; exit 2; }
log=build-fuzz/campaign-$target.log
mkdir -p "build-fuzz/corpus/$target" "build-fuzz/artifacts/$target"
inputs=()
for d in "tests/fuzz/corpus/$target" "tests/fuzz/regress/$target"; do
    [ -d "$d" ] && inputs+=("$d")
done
dict=()
[ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")

hz=$(getconf CLK_TCK)
start=$(date +%s)
# Findings of this campaign: artifacts newer than this stamp (an earlier
# run's are not this one's).
stamp=build-fuzz/artifacts/$target/.campaign-start
touch "$stamp"
# The wall-time limit only guards against a process that never gets the
# CPU it asks for: three times the budget.
OPENBLAS_NUM_THREADS=1 "$bin" -max_total_time=$((budget * 3)) -timeout="${FUZZ_TIMEOUT:-10}" \
    -rss_limit_mb=2048 -malloc_limit_mb="${FUZZ_MALLOC_MB:-256}" -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$target/" "${dict[@]}" \
    "build-fuzz/corpus/$target" "${inputs[@]}" >"$log" 2>&1 &
pid=$!
# Ctrl-C or SIGTERM: stop the fuzzer as the budget would (its statistics
# are printed), then report as usual.
trap 'kill -INT $pid 2>/dev/null' INT TERM
cpu=0
while kill -0 "$pid" 2>/dev/null; do
    # fields 14 and 15 of /proc/PID/stat: utime, stime in clock ticks
    if read -r -a st <"/proc/$pid/stat" 2>/dev/null; then
        cpu=$(((st[13] + st[14]) / hz))
        if [ "$cpu" -ge "$budget" ]; then
            kill -INT "$pid"
            break
        fi
    fi
    sleep 5
done
# A wait cut short by the trap returns early (and the fuzzer is still
# writing its statistics): wait again until it has exited.
wait "$pid"
rc=$?
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; rc=$?; done
wall=$(($(date +%s) - start))
stat_of() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
# (an input slower than 10 s is written as slow-unit-*: reported, not a finding)
finding=$(find "build-fuzz/artifacts/$target" -type f -newer "$stamp" ! -name '.*' ! -name 'slow-unit-*' -printf '%f\n' | head -n 1)
slow=$(find "build-fuzz/artifacts/$target" -type f -newer "$stamp" -name 'slow-unit-*' | wc -l)
line="$(date -u +%Y-%m-%dT%H:%MZ) $target cpu_s=$cpu wall_s=$wall execs=$(stat_of number_of_executed_units)"
line+=" new_units=$(stat_of new_units_added) cov=${cov:-?} ft=${ft:-?}"
line+=" corpus=$(ls "build-fuzz/corpus/$target" | wc -l) slow_units=$slow finding=${finding:-none}"
echo "$line" | tee -a build-fuzz/campaign.txt
# Stopped by SIGINT, libFuzzer prints its statistics and exits with 72
# (-interrupted_exitcode); at -max_total_time with 0; on a finding with
# another status, and an artifact.
if [ -n "$finding" ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 72 ]; }; then
    tail -n 40 "$log"
    echo "campaign: $target FOUND A PROBLEM (exit $rc); input in build-fuzz/artifacts/$target/"
    exit 1
fi
