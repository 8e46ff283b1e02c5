#!/usr/bin/env bash
# CLI tests of faults at the documented write steps (BNEXP_FAILPOINT,
# core/failpoint.h): a short fig1 run (ics on, so the checkpoint carries a
# probe's state) is killed with SIGKILL inside each kind of write, or sees
# a full disk or an I/O error there, and is then resumed with `bnexp run
# --resume`; every CSV and summary.csv must equal an uninterrupted run's
# (wall_time_s aside), with no temporary file left and no torn row.  A run
# killed before its plan was written is refused by --resume with a clear
# message.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
tmp=$(mktemp -d /tmp/bnexp-faults.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

args=(fig1 --set steps=300 --set eval_every=50 --set checkpoint_every=100 --set ics=true
      --set probe_size=200 --seed 1 --jobs 2)

if out=$($BNEXP run "${args[@]}" --out "$tmp/ref" 2>&1); then ok "reference run"
else fail "reference run" "$out"; echo "$passed passed, $failed failed"; exit 1; fi

# fault NAME SPEC: run with BNEXP_FAILPOINT=SPEC (it must not succeed), then
# resume (it must), and compare with the reference
fault() {
    local name=$1 spec=$2 dir=$tmp/$1 out rc d
    out=$(BNEXP_FAILPOINT=$spec $BNEXP run "${args[@]}" --out "$dir" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then fail "$name: the run with the fault $spec failed" "$out"; return; fi
    if out=$($BNEXP run fig1 --resume "$dir" --jobs 2 2>&1) && d=$(same_run_csvs "$tmp/ref" "$dir") &&
        d=$(no_leftovers "$dir"); then
        ok "$name ($spec, exit $rc): resumed to the uninterrupted run's CSVs, nothing left over"
    else
        fail "$name ($spec): resume" "$out ${d:-}"
    fi
}
fault ckpt-write   checkpoint.write:kill:2   # the trial dies inside a checkpoint write
fault ckpt-rename  checkpoint.rename:kill:3  # ... with the new checkpoint whole, not yet renamed
fault csv-append   csv.append:kill:30        # ... half a row written
fault manifest     manifest.write:kill       # ... after its last checkpoint, before its manifest
fault summary      summary.write:kill        # bnexp dies writing summary.csv
fault ckpt-full    checkpoint.write:enospc:2 # a full disk at a checkpoint
fault csv-eio      csv.append:eio:20         # an I/O error appending a row

expect_fail "enospc is reported with the file and the reason" "checkpoint.bin: write failed: No space left on device" \
    env BNEXP_FAILPOINT=checkpoint.write:enospc $BNEXP run "${args[@]}" --out "$tmp/full"

# killed before the plan was written: nothing to continue, and it says so
# (waited for with its stderr closed: the shell would announce the SIGKILL)
BNEXP_FAILPOINT=plan.write:kill $BNEXP run "${args[@]}" --out "$tmp/noplan" >/dev/null 2>&1 &
{ wait $!; } 2>/dev/null
expect_fail "a run killed before its plan is refused by --resume" "has no plan.json" \
    $BNEXP run fig1 --resume "$tmp/noplan"
# killed while its copy of the experiment file is written: the plan comes
# after it (a run with a plan has its frozen rules), so there is none yet
# (the kill campaign once found a run with a plan and no copy, whose report
# had no verdicts)
for step in experiment.write experiment.rename; do
    BNEXP_FAILPOINT=$step:kill $BNEXP run "${args[@]}" --out "$tmp/nocopy-$step" >/dev/null 2>&1 &
    { wait $!; } 2>/dev/null
    if [ -d "$tmp/nocopy-$step" ] && [ ! -e "$tmp/nocopy-$step/plan.json" ]; then
        ok "killed at $step: no plan.json without the experiment file's copy"
    else fail "killed at $step" "$(ls -la "$tmp/nocopy-$step" 2>&1)"; fi
done

# a value that does not parse is inert
if out=$(BNEXP_FAILPOINT=checkpoint.write:explode $BNEXP run "${args[@]}" --out "$tmp/inert" 2>&1) &&
    d=$(same_run_csvs "$tmp/ref" "$tmp/inert"); then ok "an unknown action injects nothing"
else fail "an unknown action injects nothing" "$out ${d:-}"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
