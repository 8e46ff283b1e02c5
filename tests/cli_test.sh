#!/usr/bin/env bash
# CLI tests on real MNIST (and a generated regression set): a short fig1 run
# writes every file with its header,
# plots decode as PNGs of the right size, the same seed gives the same
# metrics, a sweep over seeds gets its own run directory, `latest`, a report
# and charts, a failing trial does not stop the others, and bad input is
# refused with a clear message and a non-zero exit.
# Ends with the line "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
PNGCHECK=${PNGCHECK:-./build/pngcheck}
tmp=$(mktemp -d /tmp/bnexp-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

# --- data ---
if out=$($BNEXP data fetch mnist 2>&1) && $BNEXP data verify mnist >/dev/null 2>&1; then
    ok "MNIST present and verified"
else
    fail "MNIST fetch/verify" "$out"; echo "$passed passed, $failed failed"; exit 1
fi

# --- help and usage ---
for c in $($BNEXP help --commands) "data fetch" "data verify" "data list"; do
    if $BNEXP $c --help | grep -q "^usage: bnexp $c"; then ok "bnexp $c --help"; else fail "bnexp $c --help"; fi
done
if $BNEXP --version | grep -q "^bnexp [0-9]"; then ok "bnexp --version"; else fail "bnexp --version"; fi
expect_fail "unknown command" "unknown command" $BNEXP frobnicate
expect_exit "a misspelled command: did you mean" 2 "unknown command 'rn'; did you mean 'run'?" $BNEXP rn
if $BNEXP list | grep -q "fig1"; then ok "bnexp list shows fig1"; else fail "bnexp list shows fig1"; fi

# --- a short fig1 run ---
run="$tmp/run1"
if out=$($BNEXP run fig1 --seed 1 --set steps=300 --set eval_every=100 --set ics=true --out "$run" 2>&1); then ok "run fig1 --set steps=300 --set ics=true"
else fail "run fig1 --set steps=300 --set ics=true" "$out"; fi

check_header() { # FILE HEADER
    if [ -f "$1" ] && [ "$(head -n 1 "$1")" = "$2" ] && [ "$(wc -l <"$1")" -gt 1 ]; then ok "header and rows: ${1#"$tmp"/}"
    else fail "header and rows: ${1#"$tmp"/}" "$(head -n 2 "$1" 2>&1)"; fi
}
for v in baseline bn; do
    d="$run/$v/seed-1"
    check_header "$d/metrics.csv" "step,epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,train_eval_loss,train_eval_accuracy,wall_time_s"
    check_header "$d/activations.csv" "step,layer,unit,p15,p50,p85,mean,std"
    check_header "$d/histograms.csv" "step,layer,bin_lo,bin_hi,count"
    check_header "$d/ics.csv" "step,layer,point,units,mean_shift,mean_shift_max,std_ratio,std_ratio_max,w1,w1_max,grad_diff,grad_cos,grad_norm,w_norm,update_norm,effective_step"
    # ics.csv: 3 layers x (pre_norm, pre_activation, weights) at steps 100, 200, 300
    if [ "$(grep -c '' "$d/ics.csv")" -eq 28 ] && [ "$(grep -c ',weights,' "$d/ics.csv")" -eq 9 ] &&
       ! grep -q '^0,' "$d/ics.csv" && grep -q '^100,1,weights,100,,,,,,,0,1,' "$d/ics.csv"; then
        ok "$v: ics.csv rows (none at step 0; layer 1's G' = G)"
    else fail "$v: ics.csv rows" "$(head -n 12 "$d/ics.csv")"; fi
    if [ "$(tail -n 1 "$d/metrics.csv" | cut -d, -f1)" = 300 ] && [ "$(wc -l <"$d/metrics.csv")" -eq 5 ]; then
        ok "$v: records at steps 0,100,200,300"
    else fail "$v: records at steps 0,100,200,300" "$(cat "$d/metrics.csv")"; fi
    if python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["status"] == "done", m["status"]
assert m["config"]["steps"] == 300 and m["config"]["norm"] == ("batch" if sys.argv[2] == "true" else "none")
assert "bn" not in m["config"] and m["config"]["norm_fc"] == "same"
assert m["config"]["lr"] == 1.0 and m["config"]["probe_layer"] == "last"
assert m["dataset"]["sha256"]["train-images-idx3-ubyte"] == "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
assert m["seed"] == 1 and m["threads"] == 1 and m["bnexp_version"]
assert 0 < m["result"]["final_test_accuracy"] <= 1
' "$d/manifest.json" "$([ $v = bn ] && echo true || echo false)"; then ok "$v: manifest.json"
    else fail "$v: manifest.json" "$(head -c 600 "$d/manifest.json")"; fi
done
check_header "$run/summary.csv" "variant,seed,status,steps,diverged_step,final_test_accuracy,best_test_accuracy,best_step,steps_to_target,target_accuracy,final_test_accuracy_ema,final_test_accuracy_population,probe_layer,probe_unit,p15_drift,p50_drift,p85_drift,wall_time_s,final_test_loss"
if [ "$(grep -c ',done,300,' "$run/summary.csv")" = 2 ]; then ok "summary: both variants done"
else fail "summary: both variants done" "$(cat "$run/summary.csv")"; fi

# --- charts ---
if out=$($BNEXP plot accuracy --run "$run" 2>&1) && $PNGCHECK "$run/plots/fig1-accuracy.png" 900 600; then
    ok "plot accuracy: PNG decodes, 900x600, not blank"
else fail "plot accuracy" "$out"; fi
if out=$($BNEXP plot activations --run "$run" 2>&1) && $PNGCHECK "$run/plots/fig1-activations.png" 1200 500; then
    ok "plot activations: PNG decodes, 1200x500, not blank"
else fail "plot activations" "$out"; fi
if out=$($BNEXP plot ics --run "$run" 2>&1) && $PNGCHECK "$run/plots/fig1-ics.png" 1080 1990 &&
   [ "$(head -n 1 "$run/ics-stats.csv")" = "panel,layer,step,mean,lo,hi,seeds" ]; then
    ok "plot ics: PNG decodes, 1080x1990, not blank; ics-stats.csv"
else fail "plot ics" "$out"; fi

# --- plot weights and plot landscape: the run above with a second seed per
# variant, ics.csv's weight columns and landscape.csv written here with
# known values (seed k; f = 1 for bn, 10 for baseline) ---
synth=$tmp/synth
cp -r "$run" "$synth" && rm -rf "$synth/plots" "$synth"/*-stats.csv
for v in baseline bn; do cp -r "$synth/$v/seed-1" "$synth/$v/seed-2"; done
for d in "$synth"/*/seed-*; do
    k=${d##*seed-}; f=$(case $d in */bn/*) echo 1;; *) echo 10;; esac)
    # ics.csv up to grad_norm, then w_norm = 2 * layer + k, effective_step = 0.001 * k * f
    awk -F, -v OFS=, -v k="$k" -v f="$f" '
        NR == 1 { NF = 13; print $0, "w_norm,update_norm,effective_step"; next }
        { NF = 13; w = e = u = ""
          if ($3 == "weights") { w = 2 * $2 + k; e = 0.001 * k * f; u = w * e }
          print $0, w, u, e }' "$d/ics.csv" >"$d/ics.tmp" && mv "$d/ics.tmp" "$d/ics.csv"
    # landscape.csv every 100 steps: loss 1 + k + step/100, its range loss/2 to 2 loss,
    # gradient change 0.1 k to k, beta 10 k f (nan for bn seed 2 at step 300)
    awk -v k="$k" -v f="$f" 'BEGIN {
        print "step,lr,loss,grad_norm,loss_min,loss_max,grad_change_min,grad_change_max,beta_smoothness"
        for (s = 0; s <= 300; s += 100) {
            l = 1 + k + s / 100; b = (f == 1 && k == 2 && s == 300) ? "nan" : 10 * k * f
            print s ",1," l ",1," l / 2 "," 2 * l "," 0.1 * k "," k "," b } }' >"$d/landscape.csv"
done
if out=$($BNEXP plot weights --run "$synth" 2>&1) && [ "$out" = "$synth/plots/fig1-weights.png" ] &&
   $PNGCHECK "$out" 1080 840 && [ "$(head -n 1 "$synth/weights-stats.csv")" = "panel,layer,step,mean,lo,hi,seeds" ] &&
   grep -qx "2,2,100,5.5,5,6,2" "$synth/weights-stats.csv" && grep -qx "3,1,300,0.015,0.01,0.02,2" "$synth/weights-stats.csv" &&
   [ "$(cut -d, -f1 "$synth/weights-stats.csv" | sort -u | tr '\n' ' ')" = "1 2 3 4 5 6 panel " ]; then
    ok "plot weights: PNG decodes, 1080x840; weights-stats.csv: mean, min, max over seeds per (metric, variant) panel, layer and step"
else fail "plot weights" "$out $(head -n 4 "$synth/weights-stats.csv" 2>&1)"; fi
if out=$($BNEXP plot landscape --run "$synth" 2>&1) && [ "$out" = "$synth/plots/fig1-landscape.png" ] &&
   $PNGCHECK "$out" 1500 560 &&
   [ "$(head -n 1 "$synth/landscape-stats.csv")" = "series,variant,step,loss,loss_min,loss_max,grad_change_min,grad_change_max,beta_smoothness,beta_lo,beta_hi,seeds" ] &&
   grep -qx "2,bn,100,3.5,1.75,7,0.15,1.5,15,10,20,2" "$synth/landscape-stats.csv" &&
   grep -qx "1,baseline,0,2.5,1.25,5,0.15,1.5,150,100,200,2" "$synth/landscape-stats.csv" &&
   grep -qx "2,bn,300,5.5,2.75,11,0.15,1.5,10,10,10,2" "$synth/landscape-stats.csv" &&
   [ "$(grep -c '' "$synth/landscape-stats.csv")" = 9 ]; then
    ok "plot landscape: PNG decodes, 1500x560; landscape-stats.csv: means over seeds per variant and step, beta's min and max, nan left out"
else fail "plot landscape" "$out $(cat "$synth/landscape-stats.csv" 2>&1)"; fi
if $BNEXP plot landscape --run "$synth" --format svg >/dev/null 2>&1 && grep -q "<svg" "$synth/plots/fig1-landscape.svg" &&
   $BNEXP plot weights --run "$synth" --format pdf >/dev/null 2>&1 && head -c 5 "$synth/plots/fig1-weights.pdf" | grep -q "%PDF"; then
    ok "plot landscape --format svg, plot weights --format pdf"
else fail "plot landscape --format svg, plot weights --format pdf"; fi
expect_fail "plot landscape of a run without landscape.csv" \
    "plot landscape needs landscape.csv in every trial (landscape_points > 0): cannot open .*/landscape.csv" \
    $BNEXP plot landscape --run "$run"
cp -r "$synth" "$tmp/synth-old" && cut -d, -f1-13 "$synth/bn/seed-2/ics.csv" >"$tmp/synth-old/bn/seed-2/ics.csv"
expect_fail "plot weights of an ics.csv without w_norm" \
    "plot weights needs ics.csv with w_norm in every trial (ics = true.*seed-2/ics.csv has no column 'w_norm'" \
    $BNEXP plot weights --run "$tmp/synth-old"
if out=$($BNEXP plot ics --run "$tmp/synth-old" 2>&1) && $PNGCHECK "$out" 1080 1990; then
    ok "plot ics reads ics.csv with and without the weight columns"
else fail "plot ics reads ics.csv with and without the weight columns" "$out"; fi
if $BNEXP plot --help | grep -q "^  weights " && $BNEXP plot --help | grep -q "^  landscape " &&
   $BNEXP list | grep -q "^  weights " && $BNEXP list | grep -q "^  landscape "; then
    ok "plot --help and bnexp list name weights and landscape"
else fail "plot --help and bnexp list name weights and landscape" "$($BNEXP list 2>&1 | head -40)"; fi
if $BNEXP plot accuracy --run "$run" --format svg >/dev/null 2>&1 && grep -q "<svg" "$run/plots/fig1-accuracy.svg"; then
    ok "plot --format svg"
else fail "plot --format svg"; fi

# --- ics: measuring covariate shift changes nothing else ---
# dropout, momentum and weight decay: masks and momentum buffers the probe must leave alone
ics_args=(fig1 --seed 1 --set steps=300 --set eval_every=100 --set dropout=0.2 --set momentum=0.9 --set weight_decay=0.0005)
if $BNEXP run "${ics_args[@]}" --set ics=true --out "$tmp/ics-on" >/dev/null 2>&1 &&
   $BNEXP run "${ics_args[@]}" --set ics=false --out "$tmp/ics-off" >/dev/null 2>&1 &&
   $BNEXP run "${ics_args[@]}" --out "$tmp/ics-default" >/dev/null 2>&1 &&
   [ -s "$tmp/ics-on/bn/seed-1/ics.csv" ] && [ ! -e "$tmp/ics-off/bn/seed-1/ics.csv" ] &&
   [ ! -e "$tmp/ics-default/bn/seed-1/ics.csv" ] &&
   rm "$tmp"/ics-on/*/seed-*/ics.csv && same_run_csvs "$tmp/ics-off" "$tmp/ics-on" >/dev/null; then
    ok "ics on and off: the other CSVs byte-identical, ics.csv only with ics on (off by default)"
else fail "ics on and off: the other CSVs byte-identical" "$(same_run_csvs "$tmp/ics-off" "$tmp/ics-on" 2>&1)"; fi

# eval_subset: records before the last read a subset of the test set (and
# of the train-eval set); only their test and train-eval columns change (the
# probes read the whole probe set, ics.csv included), and the last record is
# the same
if $BNEXP run "${ics_args[@]}" --set ics=true --seed 1 --out "$tmp/whole" >/dev/null 2>&1 &&
   $BNEXP run "${ics_args[@]}" --set ics=true --seed 1 --set eval_subset=1000 --out "$tmp/subset" >/dev/null 2>&1; then
    w=$tmp/whole/bn/seed-1 s=$tmp/subset/bn/seed-1
    if cmp -s <(sed '$d' "$w/metrics.csv" | cut -d, -f1-5) <(sed '$d' "$s/metrics.csv" | cut -d, -f1-5) &&
       cmp -s <(tail -n 1 "$w/metrics.csv" | cut -d, -f1-9) <(tail -n 1 "$s/metrics.csv" | cut -d, -f1-9) &&
       ! cmp -s <(cut -d, -f7 "$w/metrics.csv") <(cut -d, -f7 "$s/metrics.csv") &&
       ! cmp -s <(sed -n 2,4p "$w/metrics.csv" | cut -d, -f8) <(sed -n 2,4p "$s/metrics.csv" | cut -d, -f8) &&
       cmp -s "$w/activations.csv" "$s/activations.csv" && cmp -s "$w/ics.csv" "$s/ics.csv" &&
       cmp -s "$w/histograms.csv" "$s/histograms.csv"; then
        ok "eval_subset: intermediate test accuracy from the subset; the probes and the last record unchanged"
    else fail "eval_subset: only the intermediate test columns change" "$(paste -d'|' "$w/metrics.csv" "$s/metrics.csv")"; fi
else fail "eval_subset runs"; fi

# every probe at once (ics in training mode, the landscape, the scale check)
# on noisy BN (a noise stream) with dropout: the other CSVs byte-identical
if $BNEXP run "${ics_args[@]}" --set norm=batch_noisy --set probe_size=600 --set ics=true --set ics_mode=train \
       --set landscape_points=3 --set landscape_every=50 --set scale_check=true \
       --out "$tmp/probes-on" >/dev/null 2>&1 &&
   $BNEXP run "${ics_args[@]}" --set norm=batch_noisy --set probe_size=600 --out "$tmp/probes-off" >/dev/null 2>&1 &&
   [ "$(head -n 1 "$tmp/probes-on/bn/seed-1/landscape.csv")" = "step,lr,loss,grad_norm,loss_min,loss_max,grad_change_min,grad_change_max,beta_smoothness" ] &&
   [ "$(grep -c '' "$tmp/probes-on/bn/seed-1/landscape.csv")" -eq 7 ] &&
   [ "$(grep -c ',train,' "$tmp/probes-on/bn/seed-1/scale.csv")" -eq 12 ] &&
   [ ! -e "$tmp/probes-off/bn/seed-1/landscape.csv" ] && [ ! -e "$tmp/probes-off/bn/seed-1/scale.csv" ] &&
   rm "$tmp"/probes-on/*/seed-*/{ics,landscape,scale}.csv && same_run_csvs "$tmp/probes-off" "$tmp/probes-on" >/dev/null; then
    ok "ics_mode=train, landscape and scale_check on noisy BN: the other CSVs byte-identical"
else fail "probes on and off: the other CSVs byte-identical" "$(same_run_csvs "$tmp/probes-off" "$tmp/probes-on" 2>&1; ls "$tmp"/probes-on/*/seed-1)"; fi
expect_fail "ics_mode=train with a probe set that is not whole mini-batches" "probe_size = 2000 must be a multiple of batch_size = 60" \
    $BNEXP run fig1 --set steps=10 --set ics=true --set ics_mode=train --out "$tmp/bad-probe"
expect_fail "ics_mode=train without ics" "ics_mode = train without ics = true" \
    $BNEXP run fig1 --set steps=10 --set ics_mode=train --out "$tmp/bad-mode"
expect_fail "landscape_every beyond the last step" "landscape_every = 100 exceeds steps = 10" \
    $BNEXP run fig1 --set steps=10 --set landscape_points=2 --out "$tmp/bad-every"
expect_fail "landscape_min above landscape_max" "landscape_min = 8 must be below landscape_max = 4" \
    $BNEXP run fig1 --set steps=10 --set landscape_points=3 --set landscape_min=8 --out "$tmp/bad-ls"

expect_fail "plot ics of a run without ics.csv" "plot ics needs ics.csv" $BNEXP plot ics --run "$tmp/ics-off"
expect_fail "plot weights of a run without ics.csv" "plot weights needs ics.csv with w_norm" $BNEXP plot weights --run "$tmp/ics-off"

# --- determinism: same seed, same metrics (wall_time_s aside) ---
if $BNEXP run fig1 --set steps=300 --set eval_every=100 --out "$tmp/run2" >/dev/null 2>&1 &&
   cmp -s <(cut -d, -f1-7 "$run/bn/seed-1/metrics.csv") <(cut -d, -f1-7 "$tmp/run2/bn/seed-1/metrics.csv") &&
   cmp -s <(cut -d, -f1-7 "$run/baseline/seed-1/metrics.csv") <(cut -d, -f1-7 "$tmp/run2/baseline/seed-1/metrics.csv") &&
   cmp -s "$run/bn/seed-1/activations.csv" "$tmp/run2/bn/seed-1/activations.csv"; then
    ok "same seed twice: identical metrics.csv and activations.csv"
else fail "same seed twice: identical metrics.csv and activations.csv"; fi
if $BNEXP run fig1 --set steps=100 --set eval_every=100 --seed 2 --variants bn --out "$tmp/run3" >/dev/null 2>&1 &&
   ! cmp -s <(cut -d, -f1-7 "$run/bn/seed-1/metrics.csv" | head -3) <(cut -d, -f1-7 "$tmp/run3/bn/seed-2/metrics.csv" | head -3); then
    ok "another seed: other metrics, in seed-2/"
else fail "another seed: other metrics, in seed-2/"; fi

# --- divergence is a result, not a crash ---
if out=$($BNEXP run fig1 --set steps=200 --set eval_every=100 --set activation=relu --set lr=50 --set init_std=1 --variants baseline --out "$tmp/div" 2>&1) &&
   grep -q '^baseline,1,diverged,' "$tmp/div/summary.csv" && grep -q '"status":[[:space:]]*"diverged"' "$tmp/div/baseline/seed-1/manifest.json"; then
    ok "diverging run recorded as diverged, exit 0"
else fail "diverging run recorded as diverged, exit 0" "$out"; fi

# --- sweeps: seeds 1..N, a run directory per run, `latest`, report, charts ---
# A two-variant experiment of its own, in a home of its own (BNEXP_HOME),
# run from a directory of its own (runs/ is relative to it).
home="$tmp/home-sweep"; work="$tmp/work"
mkdir -p "$home/experiments" "$work"
ln -s "$PWD/datasets" "$home/datasets"; ln -s "$PWD/plots" "$home/plots"
cat >"$home/experiments/sweep.ini" <<'EOF'
[experiment]
description = CLI test sweep: a small MLP with and without BN
hidden_layers = 1
hidden_units = 32
steps = 100
eval_every = 50
probe_size = 500
population_batches = 10
[variant.no-bn]
bn = false
[variant.bn]
bn = true
EOF
bnexp_abs=$(cd "$(dirname "$BNEXP")" && pwd)/$(basename "$BNEXP")
sweep() { (cd "$work" && BNEXP_HOME="$home" "$bnexp_abs" "$@"); }

if out=$(sweep run sweep --seeds 2 --jobs 2 2>&1); then ok "run sweep --seeds 2 --jobs 2"
else fail "run sweep --seeds 2 --jobs 2" "$out"; fi
run1=$(readlink "$work/runs/sweep/latest")
if [[ "$run1" =~ ^[0-9]{8}-[0-9]{6}(-[0-9]+)?$ ]] && [ -d "$work/runs/sweep/$run1" ]; then
    ok "runs/sweep/latest -> $run1 (relative, YYYYMMDD-HHMMSS)"
else fail "runs/sweep/latest is a relative link to a dated run" "$(ls -l "$work/runs/sweep" 2>&1)"; fi
r1="$work/runs/sweep/$run1"
n=0
for v in no-bn bn; do for k in 1 2; do
    [ "$(wc -l <"$r1/$v/seed-$k/metrics.csv" 2>/dev/null)" = 4 ] && grep -q '"status":[[:space:]]*"done"' "$r1/$v/seed-$k/manifest.json" && n=$((n + 1))
done; done
if [ $n = 4 ]; then ok "four trial directories, each done with records at 0, 50, 100"
else fail "four trial directories, each done with records at 0, 50, 100" "$(find "$r1" | sort)"; fi
if [ "$(wc -l <"$r1/summary.csv")" = 5 ] && [ "$(cut -d, -f1,2,3 "$r1/summary.csv" | sort | tr '\n' ' ')" = "bn,1,done bn,2,done no-bn,1,done no-bn,2,done variant,seed,status " ]; then
    ok "summary.csv: one row per trial, with its seed"
else fail "summary.csv: one row per trial, with its seed" "$(cat "$r1/summary.csv")"; fi

if out=$(sweep report sweep 2>/dev/null) && [ -f "$r1/report.md" ] && [ "$out" = "$(cat "$r1/report.md")" ] &&
   grep -q '^| no-bn | 2 | ' <<<"$out" && grep -q '^| bn | 2 | ' <<<"$out" && grep -q "runs/sweep/$run1" <<<"$out"; then
    ok "report sweep: table of both variants, printed and in report.md"
else fail "report sweep: table of both variants, printed and in report.md" "$out"; fi
# --until 50: the table of a 50-step run of the same seeds (wall times aside),
# in report-until-50.md, report.md left alone.
rows() { grep '^| \(no-bn\|bn\) |' | cut -d'|' -f1-8; }
before=$(cat "$r1/report.md")
if out=$(sweep report sweep --until 50 2>/dev/null) && sweep run sweep --seeds 2 --jobs 2 --set steps=50 --out "$tmp/sweep50" >/dev/null 2>&1 &&
   short=$(sweep report --run "$tmp/sweep50" 2>/dev/null) && [ -n "$(rows <<<"$out")" ] &&
   [ "$(rows <<<"$out")" = "$(rows <<<"$short")" ] && [ "$out" = "$(cat "$r1/report-until-50.md")" ] &&
   [ "$before" = "$(cat "$r1/report.md")" ] && grep -q "up to step 50" <<<"$out"; then
    ok "report --until 50: a 50-step run's table, in report-until-50.md"
else fail "report --until 50: a 50-step run's table, in report-until-50.md" "$out
--- the 50-step run:
$short"; fi
expect_fail "report --until: not a step" "until '5x': expected a step" sweep report sweep --until 5x
for chart in accuracy loss; do
    if out=$(sweep plot $chart sweep 2>&1) && $PNGCHECK "$r1/plots/sweep-$chart.png" 900 600; then
        ok "plot $chart sweep: PNG decodes, 900x600, not blank"
    else fail "plot $chart sweep" "$out"; fi
done
if [ "$(head -n 1 "$r1/curves.csv")" = "variant,metric,step,seeds,n,mean,sd,min,max" ] &&
   grep -q '^bn,test_accuracy,100,2,2,' "$r1/curves.csv" && grep -q '^no-bn,train_loss,0,2,0,,,,$' "$r1/curves.csv"; then
    ok "curves.csv: per-step statistics over the 2 seeds"
else fail "curves.csv: per-step statistics over the 2 seeds" "$(head -n 5 "$r1/curves.csv")"; fi

if out=$(sweep run sweep --variants bn --seed 3 2>&1) && run2=$(readlink "$work/runs/sweep/latest") &&
   [ "$run2" != "$run1" ] && [ -f "$work/runs/sweep/$run2/bn/seed-3/metrics.csv" ] &&
   [ "$(wc -l <"$r1/summary.csv")" = 5 ] && [ -f "$r1/bn/seed-2/metrics.csv" ]; then
    ok "a second run: new directory $run2, latest moved, the first run untouched"
else fail "a second run: new directory, latest moved, the first run untouched" "$out"; fi
# latest now departs from the file: a command that picks it says so
if out=$(sweep plot accuracy sweep 2>&1) &&
   grep -q "runs/sweep/$run2, the latest run of sweep, departs from its file: --set seed=3 --variants bn" <<<"$out"; then
    ok "plot without --run names latest's departures from the file (--set seed=3 --variants bn)"
else fail "plot without --run names latest's departures from the file" "$out"; fi

# A trial that fails (its metrics.csv cannot be created: a directory is in
# the way) while the other completes; the run exits non-zero.
mkdir -p "$tmp/fail/bn/seed-1/metrics.csv"
out=$(sweep run sweep --out "$tmp/fail" --force --jobs 2 2>&1); rc=$?
if [ $rc = 1 ] && grep -q "bn seed-1 failed: .*metrics.csv" <<<"$out" && grep -q "1 of 2 trial(s) failed" <<<"$out" &&
   grep -q '^bn,1,failed,' "$tmp/fail/summary.csv" && grep -q '^no-bn,1,done,100,' "$tmp/fail/summary.csv" &&
   [ "$(wc -l <"$tmp/fail/no-bn/seed-1/metrics.csv")" = 4 ]; then
    ok "a failing trial: exit 1, named, the other trial completes"
else fail "a failing trial: exit 1, named, the other trial completes (exit $rc)" "$out"; fi

cp -r "$r1" "$tmp/broken" && rm -f "$tmp/broken/report.md" "$tmp/broken/bn/seed-2/metrics.csv"
expect_fail "report: a finished trial without metrics.csv" "trial bn seed 2.*bn/seed-2/metrics.csv" $BNEXP report --run "$tmp/broken"
if [ ! -e "$tmp/broken/report.md" ]; then ok "report: nothing written after the error"
else fail "report: nothing written after the error"; fi
cp -r "$tmp/broken" "$tmp/partial" && sed -i 's/^bn,2,done,/bn,2,interrupted,/' "$tmp/partial/summary.csv"
if out=$($BNEXP report --run "$tmp/partial" 2>/dev/null) &&
   grep -q "Missing records.*: 1 trial .* bn seed 2\." <<<"$out" && grep -q "^| bn | 1 (+1 missing) | " <<<"$out"; then
    ok "report: an interrupted trial without metrics.csv is marked missing, the table covers the rest"
else fail "report: an interrupted trial without metrics.csv is marked missing" "$out"; fi
: >"$tmp/broken/bn/seed-2/metrics.csv"
expect_fail "report: an empty metrics.csv" "bn/seed-2/metrics.csv is empty" $BNEXP report --run "$tmp/broken"
if [ ! -e "$tmp/broken/report.md" ]; then ok "report: nothing written after the error"
else fail "report: nothing written after the error"; fi
expect_fail "report: baseline absent" "baseline variant 'inception' is not in .*(its variants: no-bn, bn)" $BNEXP report --run "$r1" --baseline inception
# report --json: the table as one object; its figures are summary.csv's
rm -f "$r1/report.md"
if out=$($BNEXP report --run "$r1" --json 2>&1) && [ ! -e "$r1/report.md" ] && python3 - "$out" "$r1/summary.csv" <<'EOF'
import csv, json, statistics, sys
d = json.loads(sys.argv[1])
assert d["format"] == "bnexp-report" and d["version"] == 1 and d["baseline"] == "no-bn", d
rows = {r["variant"]: r for r in d["rows"]}
assert list(rows) == ["no-bn", "bn"], list(rows)
summary = list(csv.DictReader(open(sys.argv[2])))
for v, r in rows.items():
    finals = [float(x["final_test_accuracy"]) for x in summary if x["variant"] == v]
    assert r["seeds"] == len(finals) and r["final_accuracy"]["n"] == len(finals)
    assert abs(r["final_accuracy"]["mean"] - statistics.mean(finals)) < 1e-9, (r, finals)
assert rows["no-bn"]["speedup"] == 1 and len(d["targets"]) >= 1
EOF
then ok "report --json: the Fig. 3 table as documented, final accuracies as summary.csv's, no report.md"
else fail "report --json" "$out"; fi
expect_exit "report --json with --pair" 2 "not with --pair" $BNEXP report --run "$r1" --json --pair bn=false
expect_fail "report of an experiment never run" "no run of nosuch" sweep report nosuch
expect_fail "--seed with --seeds" "exclude each other" $BNEXP run fig1 --seed 2 --seeds 3
expect_fail "--seeds 0" "--seeds 0: expected a whole number" $BNEXP run fig1 --seeds 0
expect_fail "plot: experiment and --run" "not both" $BNEXP plot accuracy fig1 --run "$r1"

# (the CNN on Fashion-MNIST: tests/cli_cnn.sh)

# --- a deep linear network on generated data (loss = mse) ---
dln="$tmp/dln"
if out=$($BNEXP run deep-linear --seeds 1 --set data_dim=20 --set data_outputs=5 --set data_train_size=512 \
        --set data_test_size=128 --set hidden_layers=20 --set hidden_units=20 --set steps=200 \
        --set eval_every=100 --set probe_size=128 --out "$dln" 2>&1); then
    ok "run deep-linear (20 linear layers, mse) at a small size"
else fail "run deep-linear (20 linear layers, mse) at a small size" "$out"; fi
if grep -q "^variant  *seed status  *loss  *best" <<<"$out" &&
   grep -Eq "^batch-lr-0.01 +1 done +0\.[0-9]+ +- " <<<"$out"; then
    ok "deep-linear: the end-of-run table shows the final test loss"
else fail "deep-linear: the end-of-run table shows the final test loss" "$out"; fi
if out=$(python3 -c '
import csv, json, sys
run = sys.argv[1]
name = "linear-gaussian:d=20,k=5,train=512,test=128,noise=0.1,seed=1"
plan = json.load(open(run + "/plan.json"))
assert [d["name"] for d in plan["datasets"]] == [name], plan["datasets"]
digests = set()
for v in ("none-lr-0.001", "batch-lr-0.001", "none-lr-0.01", "batch-lr-0.01"):
    d = run + "/" + v + "/seed-1/"
    m = json.load(open(d + "manifest.json"))
    assert m["dataset"]["name"] == name and m["status"] == "done", m["dataset"]
    digests.add(tuple(sorted(m["dataset"]["sha256"].items())))
    rows = list(csv.DictReader(open(d + "metrics.csv")))
    assert [r["step"] for r in rows] == ["0", "100", "200"]
    assert all(r["test_accuracy"] == "" and r["train_accuracy"] == "" for r in rows), rows
    assert float(rows[-1]["test_loss"]) < 0.5 * float(rows[0]["test_loss"]), rows
    ics = [r for r in csv.DictReader(open(d + "ics.csv")) if r["point"] == "weights"]
    assert sorted({int(r["layer"]) for r in ics}) == list(range(1, 21)), len(ics)
assert len(digests) == 1, digests  # one generated set, whatever the variant
summary = {r["variant"]: r for r in csv.DictReader(open(run + "/summary.csv"))}
for v in ("none-lr-0.001", "batch-lr-0.01"):
    final = list(csv.DictReader(open(run + "/" + v + "/seed-1/metrics.csv")))[-1]["test_loss"]
    assert summary[v]["final_test_loss"] == final and summary[v]["final_test_accuracy"] == "", summary[v]
# at lr 0.05 the plain network may diverge (a result, not a failure); BN trains
m = json.load(open(run + "/none-lr-0.05/seed-1/manifest.json"))
assert m["status"] in ("done", "diverged"), m["status"]
rows = list(csv.DictReader(open(run + "/batch-lr-0.05/seed-1/metrics.csv")))
assert float(rows[-1]["test_loss"]) < 0.5 * float(rows[0]["test_loss"]), rows
' "$dln" 2>&1); then ok "deep-linear: the generated set named and pinned, no accuracy, the loss falls, ics of 20 layers"
else fail "deep-linear: generated set, metrics and ics.csv" "$out"; fi
start=$SECONDS
expect_exit "the report of a regression run says it has no accuracy, and where its loss is" 0 \
    "No accuracy.*final_test_loss" $BNEXP report --run "$dln"
# its page names the charts it could not draw and why; the 20-layer ics
# chart (48 panels x 20 layers) takes seconds, not the 36 s of a filter per row
if grep -q "<li>accuracy: nothing to draw" "$dln/index.html" &&
   grep -q "<li>histograms: .*40 or more panels" "$dln/index.html" &&
   [ -s "$dln/plots/deep-linear-ics.svg" ] &&
   { [ "$BNEXP" != ./bnexp ] || [ $((SECONDS - start)) -lt 20 ]; }; then # (timed in the plain build)
    ok "the page of a 20-layer regression run: its charts in $((SECONDS - start)) s, and why accuracy and histograms are not drawn"
else fail "the page of a 20-layer regression run ($((SECONDS - start)) s)" "$(grep -A3 "Not drawn" "$dln/index.html")"; fi
mkdir -p "$tmp/dln-trial" && cp "$dln/plan.json" "$dln/experiment.ini" "$tmp/dln-trial/"
expect_exit "bnexp trial of a regression run says its final test loss" 0 \
    "batch-lr-0.01 seed 1) done: final test loss 0\.[0-9]*, 200 steps" $BNEXP trial "$tmp/dln-trial" 4
expect_fail "eval of a regression run" "is a regression set (loss = mse)" \
    $BNEXP eval --run "$dln" --variant batch-lr-0.01
expect_fail "loss = mse on class labels" "loss = mse: dataset mnist has class labels" \
    $BNEXP run fig1 --set loss=mse --set steps=10 --out "$tmp/x"
expect_fail "a generated set's bad size" "data_dim: 0 is out of range" \
    $BNEXP run deep-linear --set data_dim=0 --out "$tmp/x"

# --- bad input ---
expect_fail "no overwrite of an earlier run" "exists from an earlier run" $BNEXP run fig1 --set steps=10 --out "$run"
expect_fail "unknown experiment" "no experiment 'nosuch'" $BNEXP run nosuch
expect_fail "unknown key" "unknown key 'leraning_rate'" $BNEXP run fig1 --set leraning_rate=0.1 --out "$tmp/x"
expect_fail "a misspelled key: did you mean" "unknown key 'hiden_units'; did you mean 'hidden_units'?" \
    $BNEXP run fig1 --set hiden_units=3 --out "$tmp/x"
expect_fail "a misspelled experiment: did you mean" "no experiment 'fgi1'; did you mean 'fig1'?" $BNEXP run fgi1
expect_fail "a misspelled value: did you mean" "'bach' is not one of none|batch.*; did you mean 'batch'?" \
    $BNEXP run fig1 --set norm=bach --dry-run
expect_fail "a misspelled network type: did you mean" "did you mean 'lstm'?" \
    $BNEXP run fig1 --set model=lstn --dry-run
expect_fail "a value nothing is close to: no guess" "'xyzzy' is not one of [a-z_|]*\$" \
    $BNEXP run fig1 --set activation=xyzzy --dry-run
expect_exit "a misspelled chart: did you mean" 2 "unknown chart 'acuracy'; did you mean 'accuracy'?" \
    $BNEXP plot acuracy
expect_fail "a missing experiment file, named by its path" \
    "cannot read experiment file $tmp/none.ini: No such file or directory" $BNEXP run "$tmp/none.ini"
expect_fail "batch 0" "batch_size: 0 is out of range" $BNEXP run fig1 --set batch_size=0 --out "$tmp/x"
expect_fail "negative lr" "lr: -0.1 is out of range" $BNEXP run fig1 --set lr=-0.1 --out "$tmp/x"
expect_fail "eval_every 0" "eval_every: 0 is out of range" $BNEXP run fig1 --set eval_every=0 --out "$tmp/x"
expect_fail "unknown variant" "no variant 'nobn'" $BNEXP run fig1 --variants nobn --out "$tmp/x"
expect_fail "probe_unit out of range" "probe_unit = 100" $BNEXP run fig1 --set probe_unit=100 --out "$tmp/x"
expect_fail "unwritable output directory" "/dev/null exists and is not a directory" $BNEXP run fig1 --set steps=10 --out /dev/null/run
mkdir -p "$tmp/home/experiments" && cp experiments/fig1.ini "$tmp/home/experiments/" && cp -r datasets/mnist.sha256 "$tmp/home/" 2>/dev/null
mkdir -p "$tmp/home/datasets" && cp datasets/mnist.sha256 "$tmp/home/datasets/"
expect_fail "missing dataset" "bnexp data fetch mnist" env BNEXP_HOME="$tmp/home" $BNEXP run fig1 --set steps=10 --out "$tmp/x2"
expect_fail "plot of a missing run" "$tmp/none" $BNEXP plot accuracy --run "$tmp/none"
expect_fail "bad plot format" "format" $BNEXP plot accuracy --run "$run" --format gif
if [ ! -e "$tmp/x" ] || [ -z "$(find "$tmp/x" -name '*.csv' 2>/dev/null)" ]; then ok "rejected runs wrote no CSV"
else fail "rejected runs wrote no CSV" "$(find "$tmp/x")"; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
