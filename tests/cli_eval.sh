#!/usr/bin/env bash
# CLI tests of `bnexp eval` on real MNIST: a small BN network trained, then
# evaluated with each kind of statistics: the moving averages give the
# accuracy training recorded, a fully connected BN network in training mode
# at test mini-batch 1 predicts one class for every input, a training-mode
# pass with --update-running moves the moving averages but not the
# checkpoint, AdaBN's re-estimation after a brightness shift, eval.csv's
# rows, and the refusals; [eval.NAME] sections evaluate every finished
# trial into its eval.csv, which rules read.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
tmp=$(mktemp -d /tmp/bnexp-eval.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

run=$tmp/run
if out=$($BNEXP run fig1 --seed 1 --set steps=600 --set eval_every=300 --set probe_size=100 \
         --set population_batches=20 --out "$run" --jobs 2 2>&1); then
    ok "a small fig1 run to evaluate"
else fail "a small fig1 run to evaluate" "$out"; fi

# --- the moving averages: the accuracy the trial recorded with them ---
if out=$($BNEXP eval --run "$run" --variant bn --stats ema 2>&1) &&
   python3 - "$run" "$out" <<'EOF'
import csv, re, sys
run, out = sys.argv[1], sys.argv[2]
want = [r for r in csv.DictReader(open(run + "/summary.csv")) if r["variant"] == "bn"][0]
got = float(re.search(r"test accuracy ([0-9.]+)", out).group(1))
assert abs(got - float(want["final_test_accuracy_ema"])) < 1e-9, (got, want)
EOF
then ok "--stats ema: summary.csv's final_test_accuracy_ema, at another test mini-batch size"
else fail "--stats ema" "$out"; fi

# --- training mode at mini-batch 1: one class for every input ---
if out=$($BNEXP eval --run "$run" --variant bn --stats batch --batch-size 1 2>&1) &&
   grep -q "1 of 10 classes predicted" <<<"$out" &&
   python3 - "$out" <<'EOF'
import re, sys
acc = float(re.search(r"test accuracy ([0-9.]+)", sys.argv[1]).group(1))
labels = open("datasets/mnist/t10k-labels-idx1-ubyte", "rb").read()[8:]
freqs = {round(labels.count(k) / len(labels), 4) for k in range(10)}
assert round(acc, 4) in freqs, (acc, freqs)    # the one class's share of the test set
EOF
then ok "--stats batch --batch-size 1: every input gets one class; accuracy is that class's share"
else fail "--stats batch --batch-size 1" "$out"; fi
if out=$($BNEXP eval --run "$run" --variant bn --stats batch --batch-size 1000 2>&1) &&
   grep -q "10 of 10 classes predicted" <<<"$out"; then
    ok "--stats batch --batch-size 1000: every class predicted"
else fail "--stats batch --batch-size 1000" "$out"; fi

# --- the pitfall: a training-mode pass updates the moving averages ---
ck=$run/bn/seed-1/checkpoint.bin
before=$(sha256sum "$ck")
if out=$($BNEXP eval --run "$run" --variant bn --stats batch --batch-size 8 --update-running 2>&1) &&
   grep -q "moving averages: test accuracy [0-9.]* before this pass, [0-9.]* after it" <<<"$out" &&
   [ "$(sha256sum "$ck")" = "$before" ] &&
   python3 - "$out" <<'EOF'
import re, sys
b, a = map(float, re.search(r"accuracy ([0-9.]+) before this pass, ([0-9.]+) after", sys.argv[1]).groups())
assert b != a, (b, a)     # the pass moved them
EOF
then ok "--update-running: the moving averages move (accuracy before != after), the checkpoint does not"
else fail "--update-running" "$out"; fi

# --- AdaBN: statistics re-estimated on shifted training images ---
if a=$($BNEXP eval --run "$run" --variant bn --stats population --transform shift=0.4 2>&1) &&
   b=$($BNEXP eval --run "$run" --variant bn --stats reestimate --transform shift=0.4 2>&1) &&
   python3 - "$a" "$b" <<'EOF'
import re, sys
pop, re_est = (float(re.search(r"test accuracy ([0-9.]+)", s).group(1)) for s in sys.argv[1:3])
assert re_est > pop + 0.05, (pop, re_est)
EOF
then ok "--transform shift=0.4: re-estimated statistics (AdaBN) beat the training ones"
else fail "--transform shift with reestimate" "$a $b"; fi

# --- eval.csv: one row per evaluation, read by Python's csv module ---
if python3 - "$run/eval.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["stats"] for r in rows] == ["ema", "batch", "batch", "batch", "population", "reestimate"], rows
assert rows[1]["batch_size"] == "1" and rows[1]["classes_predicted"] == "1"
assert rows[3]["update_running"] == "true" and rows[3]["ema_accuracy_after"] != ""
assert rows[5]["transform"] == "shift" and rows[5]["amount"] == "0.4" and rows[5]["step"] == "600"
EOF
then ok "eval.csv: a row per evaluation, with its options and results"
else fail "eval.csv" "$(cat "$run/eval.csv")"; fi

# --- refusals ---
expect_fail "several variants and no --variant" "several variants; choose one with --variant (baseline, bn)" \
    $BNEXP eval --run "$run"
expect_fail "an unknown variant" "no variant nope" $BNEXP eval --run "$run" --variant nope
expect_fail "a seed the run does not have" "no trial of variant bn with seed 7" \
    $BNEXP eval --run "$run" --variant bn --seed 7
expect_fail "--update-running without batch statistics" "goes with --stats batch" \
    $BNEXP eval --run "$run" --variant bn --update-running
expect_fail "an unknown --stats" "expected batch, ema, population or reestimate" \
    $BNEXP eval --run "$run" --variant bn --stats moving
expect_fail "--transform shift without its amount" "expected shift=A" \
    $BNEXP eval --run "$run" --variant bn --transform shift
expect_fail "--batch-size 0" "from 1 to 65536" $BNEXP eval --run "$run" --variant bn --batch-size 0
rm "$run/baseline/seed-1/checkpoint.bin"
expect_fail "a trial without a checkpoint" "no checkpoint" $BNEXP eval --run "$run" --variant baseline
expect_fail "a directory that is not a run" "not found\|plan" $BNEXP eval --run "$tmp/nothing"
rows=$(wc -l <"$run/eval.csv")
[ "$rows" = 7 ] && ok "refused evaluations append nothing" || fail "refused evaluations append nothing" "$rows lines"

# --- bnexp status: every planned trial, from manifests and metrics.csv ---
if out=$($BNEXP status --run "$run" 2>&1) && grep -q "^2 trial(s): 2 done$" <<<"$out" &&
   grep -q "^ *1  bn  *1  done  *600/600  0\.[0-9]*  *$(hostname -s)$" <<<"$out"; then
    ok "status: both trials done, at their last record"
else fail "status" "$out"; fi
mv "$run/bn/seed-1/manifest.json" "$tmp/manifest.json"
mv "$run/baseline" "$tmp/baseline"
if out=$($BNEXP status --run "$run" 2>&1) && grep -q "^2 trial(s): 1 pending, 1 interrupted$" <<<"$out" &&
   grep -q "^ *1  bn  *1  interrupted (killed)  *600/600" <<<"$out" && grep -q "^ *0  baseline  *1  pending  *-/600" <<<"$out" &&
   grep -q -- "--resume" <<<"$out"; then
    ok "status: a started trial without a manifest is interrupted (killed), one without a directory pending"
else fail "status of an unfinished run" "$out"; fi
mv "$tmp/manifest.json" "$run/bn/seed-1/manifest.json"
mv "$tmp/baseline" "$run/baseline"
expect_fail "status of a directory that is not a run" "not found" $BNEXP status --run "$tmp/nothing"

# --- [eval.NAME] sections: every finished trial evaluated, eval.csv, rules ---
cat >"$tmp/evals.ini" <<'EOF'
[experiment]
hidden_layers = 2
hidden_units = 16
steps = 60
eval_every = 30
probe_size = 100
train_eval_size = 100
population_batches = 5
seeds = 2
bn = true
[variant.a]
[eval.train-mode-1]
stats = batch
batch_size = 1
[eval.ema]
stats = ema
[eval.pitfall]
stats = batch
batch_size = 8
update_running = true
[eval.bright]
stats = reestimate
transform = shift=0.3
[verdict.one-class]
claim = 7
statement = in training mode at test mini-batch 1 the network predicts one class
written = 2026-12-06 in the test
measure = mean(rows_first(eval.csv, classes_predicted, eval=train-mode-1))
holds = <= 1
[verdict.absent]
claim = 7
statement = an evaluation no section names
written = 2026-12-06 in the test
measure = mean(rows_first(eval.csv, test_accuracy, eval=nothing))
holds = > 0
EOF
if out=$($BNEXP run "$tmp/evals.ini" --out "$tmp/evals" --until-decided --jobs 2 2>&1) &&
   [ "$(head -1 "$tmp/evals/a/seed-2/eval.csv")" = "eval,stats,batch_size,transform,update_running,test_accuracy,test_loss,classes_predicted,ema_accuracy_before,ema_accuracy_after" ] &&
   [ "$(cut -d, -f1-5,8 "$tmp/evals/a/seed-1/eval.csv" | tail -n +2 | tr '\n' ' ')" = "train-mode-1,batch,1,none,false,1 ema,ema,100,none,false,10 pitfall,batch,8,none,true,10 bright,reestimate,100,shift=0.3,false,10 " ] &&
   grep -q '^claim 7 "in training mode at test mini-batch 1 the network predicts one class": holds; 1 \[1, 1\], 2 seeds$' <<<"$out" &&
   grep -q '^claim 7 "an evaluation no section names": undecided' <<<"$out" &&
   grep -q '"evals":' "$tmp/evals/plan.json"; then
    ok "[eval.NAME]: each finished trial's eval.csv, a row a section in the file's order; rules read it (one class at test mini-batch 1 holds)"
else fail "[eval.NAME] sections" "$out $(cat "$tmp/evals/a/seed-1/eval.csv" 2>&1)"; fi
# the pitfall row: the moving averages moved, the checkpoint's did not
if python3 - "$tmp/evals/a/seed-1/eval.csv" <<'EOF'
import csv, sys
rows = {r["eval"]: r for r in csv.DictReader(open(sys.argv[1]))}
p, e = rows["pitfall"], rows["ema"]
assert p["ema_accuracy_before"] == e["test_accuracy"], (p, e)
assert p["ema_accuracy_after"] != p["ema_accuracy_before"], p
assert rows["ema"]["ema_accuracy_before"] == "", rows["ema"]
EOF
then ok "eval.csv: the pitfall's moving averages before equal [eval.ema]'s accuracy, and moved after"
else fail "eval.csv: the pitfall row" "$(cat "$tmp/evals/a/seed-1/eval.csv")"; fi
printf '[experiment]\n[variant.a]\n[eval.x]\nbatch_size = 2\n' >"$tmp/nostats.ini"
expect_fail "an [eval.NAME] without stats is refused before anything runs" "nostats.ini:3: \[eval.x\] has no stats" \
    $BNEXP run "$tmp/nostats.ini" --out "$tmp/nostats"
[ ! -e "$tmp/nostats" ] && ok "the refused run created nothing" || fail "the refused run created $tmp/nostats"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
