#!/usr/bin/env bash
# CLI tests of the small CNN on Fashion-MNIST (lr-sweep's network): records
# at the planned steps, its manifest, threads = 2 giving threads = 1's CSVs,
# pooling below its window.  A script of its own beside cli_test.sh, so that
# make check runs the two side by side.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
PNGCHECK=${PNGCHECK:-./build/pngcheck}
tmp=$(mktemp -d /tmp/bnexp-cnn.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

# --- a CNN on Fashion-MNIST: lr-sweep's network, two variants, a few steps ---
if out=$($BNEXP data fetch fashion-mnist 2>&1) && $BNEXP data verify fashion-mnist >/dev/null 2>&1; then
    ok "Fashion-MNIST present and verified"
    cnn="$tmp/cnn"
    # (eval_subset: the records before the last read 500 test images, not 10,000)
    if out=$($BNEXP run lr-sweep --variants bn-x5,sigmoid --set steps=20 --set eval_every=10 \
               --set probe_size=100 --set eval_subset=500 --jobs 2 --out "$cnn" 2>&1); then
        ok "lr-sweep CNN variants run"
        for v in bn-x5 sigmoid; do
            rows=$(tail -n +2 "$cnn/$v/seed-1/metrics.csv" | cut -d, -f1 | tr '\n' ' ')
            if [ "$rows" = "0 10 20 " ]; then ok "CNN $v: records at steps 0, 10, 20"
            else fail "CNN $v: records at steps 0, 10, 20" "$rows"; fi
        done
        if grep -Eq '"model":[[:space:]]*"cnn"' "$cnn/bn-x5/seed-1/manifest.json" &&
           grep -Eq '"conv_channels":[[:space:]]*"16,16,32,32"' "$cnn/bn-x5/seed-1/manifest.json" &&
           grep -Eq '"dataset":[[:space:]]*"fashion-mnist"' "$cnn/bn-x5/seed-1/manifest.json"; then
            ok "CNN manifest records model, conv_channels and dataset"
        else fail "CNN manifest records model, conv_channels and dataset" "$(head -c 2000 "$cnn/bn-x5/seed-1/manifest.json")"; fi
        # a BN network at 5x the rate learns something in 20 steps; chance is 0.1
        acc=$(tail -1 "$cnn/bn-x5/seed-1/metrics.csv" | cut -d, -f7)
        if awk -v a="$acc" 'BEGIN { exit !(a > 0.5) }'; then ok "CNN bn-x5 above chance after 20 steps ($acc)"
        else fail "CNN bn-x5 above chance after 20 steps" "$acc"; fi
        if $BNEXP report --run "$cnn" --baseline sigmoid >/dev/null 2>&1 && grep -q "bn-x5" "$cnn/report.md"; then
            ok "report of the CNN run"
        else fail "report of the CNN run"; fi
    else
        fail "lr-sweep CNN variants run" "$out"
    fi
    # threads = 2 against threads = 1: OpenMP's loops and the sliced GEMMs
    # on both cores give one core's bits (dropout and the fully connected
    # GEMMs included: a GEMM cut by the thread count once broke this)
    for k in 1 2; do
        $BNEXP run lr-sweep --variants bn-x5,no-bn --set steps=10 --set eval_every=5 --set probe_size=100 \
            --set train_eval_size=0 --set eval_subset=500 --set ics=true --threads $k --jobs 1 \
            --out "$tmp/threads-$k" >/dev/null 2>&1
    done
    if grep -Eq '"threads":[[:space:]]*2' "$tmp/threads-2/bn-x5/seed-1/manifest.json" &&
       grep -Eq '"threads":[[:space:]]*1' "$tmp/threads-1/bn-x5/seed-1/manifest.json" &&
       [ -s "$tmp/threads-2/no-bn/seed-1/ics.csv" ] &&
       out=$(same_run_csvs "$tmp/threads-1" "$tmp/threads-2"); then
        ok "threads = 2 writes the CSVs of threads = 1 (wall_time_s aside)"
    else fail "threads = 2 writes the CSVs of threads = 1" "$out"; fi
    expect_fail "CNN pooled below its window" "smaller than the 2x2 window" \
        $BNEXP run lr-sweep --variants no-bn --set conv_channels=8,8,8,8,8 --set pool_every=1 \
        --set steps=5 --out "$tmp/cnn-bad"
else
    fail "Fashion-MNIST fetch/verify" "$out"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
