#!/usr/bin/env bash
# CLI tests of model = resnet and plain on real Fashion-MNIST: --dry-run
# prints He et al.'s parameter count; a short run of ResNet-8 (width 4,
# batch norm, augment = crop_flip) with a plain and a shortcut-B variant
# trains; threads = 2 writes threads = 1's CSVs; a trial killed inside a
# checkpoint write and one killed appending a row resume to the
# uninterrupted run's CSVs byte for byte (the augmentation's draws
# included); `bnexp eval` reads a ResNet trial.  Ends with "N passed, N
# failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
tmp=$(mktemp -d /tmp/bnexp-resnet.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

if ! out=$($BNEXP data fetch fashion-mnist 2>&1); then
    fail "Fashion-MNIST fetch" "$out"; echo "$passed passed, $failed failed"; exit 1
fi
cat >"$tmp/resnet.ini" <<'INI'
; ResNet-8 made small for the tests
[experiment]
description = ResNet-8, width 4, on Fashion-MNIST
dataset = fashion-mnist
model = resnet
depth = 8
width = 4
norm = batch
augment = crop_flip
standardize = true
init = kaiming_normal
lr = 0.1
momentum = 0.9
batch_size = 16
steps = 60
eval_every = 20
eval_subset = 200
train_eval_size = 100
probe_size = 100
ics = true
checkpoint_every = 25
seeds = 1

[variant.resnet]

[variant.plain]
model = plain

[variant.shortcut-b]
shortcut = B
zero_init_residual = true
INI

if out=$($BNEXP run "$tmp/resnet.ini" --dry-run --set width=16 2>&1) &&
   grep -Eq '^resnet +1 +75002 ' <<<"$out" && grep -Eq '^shortcut-b +1 +77754 ' <<<"$out"; then
    ok "--dry-run prints ResNet-8's parameters (75,002; 77,754 with shortcut B)"
else fail "--dry-run prints ResNet-8's parameters" "$out"; fi

args=("$tmp/resnet.ini" --jobs 2)
if out=$($BNEXP run "${args[@]}" --out "$tmp/ref" 2>&1) &&
   [ "$(grep -c ',done,60,' "$tmp/ref/summary.csv")" = 3 ]; then ok "a ResNet-8 run: resnet, plain and shortcut B trained"
else fail "a ResNet-8 run" "$out"; echo "$passed passed, $failed failed"; exit 1; fi
# the network learns: the final test accuracy of the residual one is well above chance
acc=$(awk -F, 'NR > 1 && $1 == "resnet" {print $6}' "$tmp/ref/summary.csv")
if python3 -c "import sys; sys.exit(0 if float('$acc') > 0.3 else 1)" 2>/dev/null; then
    ok "ResNet-8 learns in 60 steps (test accuracy $acc)"
else fail "ResNet-8 learns in 60 steps" "$(cat "$tmp/ref/summary.csv")"; fi
if [ "$(wc -l <"$tmp/ref/resnet/seed-1/ics.csv")" -gt 1 ]; then ok "ics.csv has the blocks' rows"
else fail "ics.csv has the blocks' rows"; fi

if out=$($BNEXP run "${args[@]}" --set threads=2 --out "$tmp/threads" 2>&1) &&
   d=$(same_run_csvs "$tmp/ref" "$tmp/threads"); then ok "threads = 2 writes the CSVs of threads = 1"
else fail "threads = 2 writes the CSVs of threads = 1" "$out ${d:-}"; fi

# the trainer augments: without it the same 20 steps train otherwise
if $BNEXP run "${args[@]}" --set steps=20 --out "$tmp/aug" >/dev/null 2>&1 &&
   $BNEXP run "${args[@]}" --set steps=20 --set augment=none --out "$tmp/noaug" >/dev/null 2>&1 &&
   ! cmp -s "$tmp/aug/resnet/seed-1/metrics.csv" "$tmp/noaug/resnet/seed-1/metrics.csv"; then
    ok "augment = crop_flip changes what the network is trained on"
else fail "augment = crop_flip changes what the network is trained on"; fi

# killed at a fixed write, then resumed: every CSV as the uninterrupted run's
for spec in checkpoint.write:kill:2 csv.append:kill:9; do
    killed_resumes "the uninterrupted run's CSVs (augmentation included)" \
        "$tmp/ref" "$tmp/${spec%%:*}" "$spec" "${args[@]}"
done

if out=$($BNEXP eval --run "$tmp/ref" --variant resnet --stats batch --batch-size 1 2>&1) &&
   grep -q "accuracy" <<<"$out"; then
    ok "bnexp eval reads a ResNet trial (training-mode statistics at mini-batch 1)"
else fail "bnexp eval reads a ResNet trial" "$out"; fi

# CIFAR-10's path, on generated files in its binary format (this machine
# cannot reach the publisher): 3 channels of 32x32, augment = crop_flip; a
# home without the published sums, so the set loads marked unverified
home=$tmp/home
mkdir -p "$home/datasets/cifar10" "$home/plots"
cp plots/* "$home/plots/" 2>/dev/null
python3 - "$home/datasets/cifar10" <<'PYGEN'
import os, random, sys
rng = random.Random(10)
for name, n in [("data_batch_%d.bin" % i, 10000) for i in range(1, 6)] + [("test_batch.bin", 10000)]:
    b = bytearray(rng.randbytes(n * 3073))
    for i in range(n):
        b[i * 3073] %= 10  # the label byte
    open(os.path.join(sys.argv[1], name), "wb").write(b)
PYGEN
if out=$(BNEXP_HOME=$home $BNEXP run "$tmp/resnet.ini" --set dataset=cifar10 --set steps=10 \
         --set eval_every=10 --set ics=false --jobs 2 --out "$tmp/cifar" 2>&1) &&
   [ "$(grep -c ',done,10,' "$tmp/cifar/summary.csv")" = 3 ] &&
   grep -q '"dataset":[[:space:]]*"cifar10"' "$tmp/cifar/resnet/seed-1/manifest.json"; then
    ok "ResNet-8 trains on CIFAR-10's binary format (3x32x32, generated files, augmented)"
else fail "ResNet-8 on CIFAR-10's binary format" "$out"; fi
rm -rf "$home/datasets/cifar10"

expect_fail "depth not 6n + 2 is refused before anything runs" "depth = 10 is not 6n + 2" \
    $BNEXP run "$tmp/resnet.ini" --set depth=10 --out "$tmp/bad"
[ ! -e "$tmp/bad" ] && ok "the refused run left no directory" || fail "the refused run left no directory"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
