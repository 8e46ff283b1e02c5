#!/usr/bin/env bash
# cli_kills.sh [KILLS] [SEED]: SIGKILL at random moments (issue 26,
# item 2).  A short fig1 sweep (two variants x two seeds, ics on, a
# checkpoint every 50 steps, --jobs 2) is run once uninterrupted; then the
# same run is started and, KILLS times (default 20; `make kill-campaign`
# runs 200), killed with SIGKILL after a random delay and resumed with
# `bnexp run --resume`, until a resume is left to finish.  Each kill picks
# at random between the whole process tree (bnexp and its trials: a node
# that dies, the OOM killer taking the session) and one trial process
# alone (bnexp goes on, reports it and exits 1).  The delays come from
# SEED (default 1), so a campaign can be repeated.  At the end every CSV
# and summary.csv must equal the uninterrupted run's (wall_time_s aside),
# the report's verdicts too, with no temporary file, no torn row and no
# lock held.  Ends with "N passed, N failed" and the kills by kind.
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
kills=${1:-20}
seed=${2:-1}
tmp=$(mktemp -d /tmp/bnexp-kills.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh
RANDOM=$seed

args=(fig1 --set steps=300 --set eval_every=50 --set checkpoint_every=50 --set ics=true
      --set probe_size=200 --seeds 2 --jobs 2)

start=$(date +%s%N)
if out=$($BNEXP run "${args[@]}" --out "$tmp/ref" 2>&1); then ok "reference run"
else fail "reference run" "$out"; echo "$passed passed, $failed failed"; exit 1; fi
# a kill lands anywhere in a run as long as the reference (at least 0.5 s)
span_ms=$((($(date +%s%N) - start) / 1000000))
[ "$span_ms" -ge 500 ] || span_ms=500

# descendants PID: every process below PID
descendants() {
    local c
    for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done
}

whole=0 trial=0 rounds=0
# check DIR: the campaign's run DIR, resumed to the end, equals the reference
check() {
    local dir=$1 out d held="" l
    rounds=$((rounds + 1))
    if out=$($BNEXP run fig1 --resume "$dir" --jobs 2 2>&1) && d=$(same_run_csvs "$tmp/ref" "$dir") &&
       d=$(no_leftovers "$dir"); then :
    else fail "round $rounds: resumed to the end, the CSVs" "$out ${d:-}
--- the round's last start before this resume, and what it said:
$(cat "$tmp/last.txt" 2>/dev/null)
--- the directory: $(ls -A "$dir" 2>&1 | tr '\n' ' ')"; return; fi
    for l in "$dir"/.collect.lock "$dir"/*/seed-*/.lock; do
        [ -e "$l" ] && ! flock -n "$l" true && held+=" $l"
    done
    [ -z "$held" ] || { fail "round $rounds: no lock held" "$held"; return; }
    if [ "$(verdicts "$tmp/ref")" != "$(verdicts "$dir")" ]; then
        fail "round $rounds: the report's verdicts" "$(diff <(verdicts "$tmp/ref") <(verdicts "$dir") | head -20)"
        return
    fi
    ok "round $rounds: after its kills, every CSV, summary.csv and verdict equals the uninterrupted run's; no temporary file, torn row or held lock"
}
verdicts() { $BNEXP report --run "$1" 2>/dev/null | sed -n '/^## Verdicts/,$p'; }
[ -n "$(verdicts "$tmp/ref")" ] || fail "the reference's report has verdicts"

# Rounds: a run started, killed and resumed until a resume finishes before
# its kill comes; then checked, and a new round started, until KILLS kills.
dir=""
for ((k = 0; k < kills;)); do
    [ -n "$dir" ] || dir=$tmp/run-$((rounds + 1))
    if [ -f "$dir/plan.json" ]; then cmd=($BNEXP run fig1 --resume "$dir" --jobs 2)
    else cmd=($BNEXP run "${args[@]}" --out "$dir"); fi # killed before its plan: start again
    printf '%s\n' "${cmd[*]}" >"$tmp/last.txt"
    "${cmd[@]}" >>"$tmp/last.txt" 2>&1 &
    pid=$!
    delay=$((((RANDOM << 15) | RANDOM) % span_ms)) # here, not in $(...): a subshell reseeds RANDOM
    sleep "$(awk -v ms=$delay 'BEGIN { printf "%.3f", ms / 1000 }')"
    if ! kill -STOP "$pid" 2>/dev/null; then # it finished before its kill
        { wait "$pid"; } 2>/dev/null
        check "$dir"
        dir=""
        continue
    fi
    # stopped, bnexp starts no trial while its children are listed
    kids=$(descendants "$pid")
    if ((RANDOM % 2)) || [ -z "$kids" ]; then
        kill -KILL "$pid" $kids 2>/dev/null
        whole=$((whole + 1))
    else
        kill -KILL "$(head -n 1 <<<"$kids")" 2>/dev/null
        kill -CONT "$pid" 2>/dev/null
        trial=$((trial + 1))
    fi
    k=$((k + 1))
    { wait "$pid"; } 2>/dev/null
done
if [ -n "$dir" ] && [ ! -f "$dir/plan.json" ]; then # the last kill came before the plan
    $BNEXP run "${args[@]}" --out "$dir" >/dev/null 2>&1
fi
[ -z "$dir" ] || check "$dir"
echo "kills: $whole of the whole tree, $trial of one trial, over $rounds round(s) (seed $seed, delays up to ${span_ms} ms)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
