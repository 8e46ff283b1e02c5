#!/usr/bin/env bash
# CLI tests of model = lstm on real MNIST: --dry-run prints the parameter
# count of a 128-unit LSTM on rows (82,186); a short run of a small LSTM
# with none, recurrent BN (per-step and shared statistics) and LN trains,
# writes time_gradients.csv and step_stats.csv, and threads = 2 writes
# threads = 1's CSVs; an Adam trial killed inside a checkpoint write and one
# killed appending a row resume to the uninterrupted run's CSVs byte for
# byte; `bnexp eval` reads a BN-LSTM trial with training-mode statistics at
# test mini-batch 2, and at 1 (every BN output beta: one class predicted),
# and an LN-LSTM at 1;
# the refusals (a kind the cell lacks, a chunk that does not divide the
# image, batch_size 1 with recurrent BN, time_gradients on another model)
# name the key.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
tmp=$(mktemp -d /tmp/bnexp-lstm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

if ! out=$($BNEXP data fetch mnist 2>&1); then
    fail "MNIST fetch" "$out"; echo "$passed passed, $failed failed"; exit 1
fi
cat >"$tmp/lstm.ini" <<'INI'
; a small LSTM for the tests
[experiment]
description = LSTM, 16 units, on MNIST rows
dataset = mnist
model = lstm
sequence = rows
hidden_units = 16
hidden_layers = 2
init = kaiming_uniform
optimizer = adam
lr = 0.005
clip_grad_norm = 1
batch_size = 16
steps = 40
eval_every = 20
eval_subset = 200
train_eval_size = 100
probe_size = 100
time_gradients = true
checkpoint_every = 15
seeds = 1

[variant.none]
norm = none

[variant.bn]
norm = batch
step_stats = true

[variant.bn-shared]
norm = batch
rnn_stats = shared
step_stats = true

[variant.ln]
norm = layer
sequence = chunks:56
permute = true
INI

if out=$($BNEXP run "$tmp/lstm.ini" --dry-run --set hidden_units=128 --set hidden_layers=1 2>&1) &&
   grep -Eq '^none +1 +82186 ' <<<"$out"; then
    ok "--dry-run prints a 128-unit LSTM's parameters on rows (82,186: nn.LSTM's plus the output layer)"
else fail "--dry-run prints the LSTM's parameters" "$out"; fi

args=("$tmp/lstm.ini" --jobs 2)
if out=$($BNEXP run "${args[@]}" --out "$tmp/ref" 2>&1) &&
   [ "$(grep -c ',done,40,' "$tmp/ref/summary.csv")" = 4 ]; then
    ok "an LSTM run: none, recurrent BN (per-step, shared) and LN trained"
else fail "an LSTM run" "$out"; echo "$passed passed, $failed failed"; exit 1; fi
# 2 layers x 28 steps at step 1, 20 and 40
if [ "$(wc -l <"$tmp/ref/bn/seed-1/time_gradients.csv")" = $((1 + 3 * 2 * 28)) ] &&
   [ "$(wc -l <"$tmp/ref/ln/seed-1/time_gradients.csv")" = $((1 + 3 * 2 * 14)) ]; then
    ok "time_gradients.csv: a row per layer and time step at step 1 and every record (28 rows; 14 chunks of 56)"
else fail "time_gradients.csv rows" "$(wc -l "$tmp"/ref/*/seed-1/time_gradients.csv)"; fi
# per layer, site, step and unit: 2 x (64 + 64 + 16) x 28
if [ "$(wc -l <"$tmp/ref/bn/seed-1/step_stats.csv")" = $((1 + 2 * 144 * 28)) ] &&
   awk -F, 'NR > 1 && $2 == "c" && $4 == 0 { v[$3] = $5 } END { n = 0; for (t in v) n++; for (t in v) if (v[t] != v[1]) d = 1; exit !(n == 28 && d) }' \
       "$tmp/ref/bn/seed-1/step_stats.csv" &&
   awk -F, 'NR > 1 && $2 == "c" && $4 == 0 { v[$3] = $5 } END { for (t in v) if (v[t] != v[1]) exit 1 }' \
       "$tmp/ref/bn-shared/seed-1/step_stats.csv"; then
    ok "step_stats.csv: per-step running means differ across t, shared ones are one value"
else fail "step_stats.csv" "$(head -3 "$tmp/ref/bn/seed-1/step_stats.csv")"; fi
# the shared variant trains the same network: its training loss is per_step's
if cmp -s <(cut -d, -f1-5 "$tmp/ref/bn/seed-1/metrics.csv") <(cut -d, -f1-5 "$tmp/ref/bn-shared/seed-1/metrics.csv"); then
    ok "rnn_stats = shared trains exactly as per_step (only inference differs)"
else fail "rnn_stats = shared trains exactly as per_step"; fi

# another probe's backward (the landscape's, at moved parameters) leaves
# time_gradients.csv as it was: it records the training step's own
if $BNEXP run "$tmp/lstm.ini" --variants bn --set landscape_points=2 --set landscape_every=20 \
       --out "$tmp/landscape" >/dev/null 2>&1 &&
   cmp -s "$tmp/ref/bn/seed-1/time_gradients.csv" "$tmp/landscape/bn/seed-1/time_gradients.csv" &&
   cmp -s <(cut -d, -f1-9 "$tmp/ref/bn/seed-1/metrics.csv") <(cut -d, -f1-9 "$tmp/landscape/bn/seed-1/metrics.csv"); then
    ok "with the landscape probe on, time_gradients.csv and metrics.csv (but its wall time) are unchanged"
else fail "with the landscape probe on, time_gradients.csv and metrics.csv are unchanged"; fi

if out=$($BNEXP run "${args[@]}" --set threads=2 --out "$tmp/threads" 2>&1) &&
   d=$(same_run_csvs "$tmp/ref" "$tmp/threads"); then ok "threads = 2 writes the CSVs of threads = 1"
else fail "threads = 2 writes the CSVs of threads = 1" "$out ${d:-}"; fi

# killed at a fixed write, then resumed: every CSV as the uninterrupted run's
for spec in checkpoint.write:kill:3 csv.append:kill:11; do
    killed_resumes "the uninterrupted run's CSVs (Adam's moments, per-step statistics)" \
        "$tmp/ref" "$tmp/${spec%%:*}" "$spec" "${args[@]}"
done

if out=$($BNEXP eval --run "$tmp/ref" --variant bn --stats batch --batch-size 2 2>&1) &&
   grep -q "accuracy" <<<"$out"; then
    ok "bnexp eval reads a BN-LSTM trial (training-mode statistics at test mini-batch 2)"
else fail "bnexp eval reads a BN-LSTM trial" "$out"; fi
# batch statistics of one example: every BN output is beta, so one class
if out=$($BNEXP eval --run "$tmp/ref" --variant bn --stats batch --batch-size 1 2>&1) &&
   grep -q "1 of 10 classes predicted" <<<"$out"; then
    ok "bnexp eval: the BN-LSTM with training-mode statistics at test mini-batch 1 predicts one class"
else fail "bnexp eval: the BN-LSTM at test mini-batch 1" "$out"; fi
if out=$($BNEXP eval --run "$tmp/ref" --variant ln --stats batch --batch-size 1 2>&1) &&
   grep -q "accuracy" <<<"$out"; then
    ok "bnexp eval: the LN-LSTM at test mini-batch 1"
else fail "bnexp eval: the LN-LSTM at test mini-batch 1" "$out"; fi

expect_fail "norm = group on an LSTM is refused" "norm = group is not supported in an LSTM" \
    $BNEXP run "$tmp/lstm.ini" --variants none --set norm=group --out "$tmp/bad1"
expect_fail "a chunk that does not divide the image is refused" "chunks:5" \
    $BNEXP run "$tmp/lstm.ini" --variants none --set sequence=chunks:5 --out "$tmp/bad2"
expect_fail "batch_size 1 with recurrent BN is refused" "batch_size = 1 with norm = batch" \
    $BNEXP run "$tmp/lstm.ini" --variants bn --set batch_size=1 --out "$tmp/bad3"
expect_fail "time_gradients on an mlp is refused" "time_gradients = true with model = mlp" \
    $BNEXP run "$tmp/lstm.ini" --variants none --set model=mlp --out "$tmp/bad4"
expect_fail "a malformed sequence is refused" "is not rows, pixels or chunks:K" \
    $BNEXP run "$tmp/lstm.ini" --variants none --set sequence=columns --out "$tmp/bad5"
expect_fail "chunks:0 is refused" "is not rows, pixels or chunks:K" \
    $BNEXP run "$tmp/lstm.ini" --variants none --set sequence=chunks:0 --out "$tmp/bad6"
expect_fail "rnn_stats = shared without recurrent BN is refused" "rnn_stats = shared with norm = layer" \
    $BNEXP run "$tmp/lstm.ini" --variants ln --set rnn_stats=shared --out "$tmp/bad7"
for k in 1 2 3 4 5 6 7; do [ ! -e "$tmp/bad$k" ] || fail "refused run $k left a directory"; done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
