#!/usr/bin/env bash
# CLI tests of sweeps on real MNIST: an experiment file given by its path,
# [grid] and named grids expanded into points with path-safe names, --grid
# replacing one key, --dry-run creating nothing, the swept keys as columns
# of summary.csv, the frozen plan, and malformed grids refused naming
# file:line and key.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
PNGCHECK=${PNGCHECK:-./build/pngcheck}
bnexp=$(cd "$(dirname "$BNEXP")" && pwd)/$(basename "$BNEXP")
pngcheck=$(cd "$(dirname "$PNGCHECK")" && pwd)/$(basename "$PNGCHECK")
tmp=$(mktemp -d /tmp/bnexp-sweep.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

work=$tmp/work
mkdir -p "$work"
cat >"$tmp/initsweep.ini" <<'EOF'
[experiment]
description = is BN less sensitive to the initialisation?
hidden_layers = 2
hidden_units = 32
steps = 60
eval_every = 30
probe_size = 200
seeds = 2
[variant.bn]
bn = true
[variant.no-bn]
bn = false
[grid.gauss]
init = gaussian
init_std = 1e-2:1:x10
[grid.named]
init = xavier_normal
EOF

# --- --dry-run: the trials, their swept values and seeds; nothing created ---
if out=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --dry-run 2>&1) &&
   grep -q "16 trial(s), 8 variant(s)" <<<"$out" &&
   grep -q "^bn-init-gaussian-init_std-0.01 .* 2 .*gaussian .*0.01 .*MiB" <<<"$out" &&
   grep -q "^no-bn-init-xavier_normal .* 1 " <<<"$out" && grep -q "estimated memory" <<<"$out"; then
    ok "--dry-run lists every point x seed with its swept values and memory"
else fail "--dry-run lists the trials" "$out"; fi
if [ -z "$(ls -A "$work")" ]; then ok "--dry-run created nothing"
else fail "--dry-run created nothing" "$(ls -R "$work")"; fi

# --- a user's .ini by its path, with grids ---
if out=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --jobs 2 2>&1) &&
   run=$(cd "$work" && readlink -f runs/initsweep/latest) && [ -f "$run/summary.csv" ]; then
    ok "bnexp run PATH.ini runs into runs/NAME/"
else fail "bnexp run PATH.ini" "$out"; run=/nonexistent; fi
if [ "$(head -n 1 "$run/summary.csv" | tr ',' '\n' | tail -n 2 | tr '\n' ' ')" = "init init_std " ] &&
   grep -q "^bn-init-gaussian-init_std-0.1,2,done,.*,gaussian,0.1$" "$run/summary.csv" &&
   [ "$(($(wc -l <"$run/summary.csv") - 1))" = 16 ]; then
    ok "summary.csv: one row per trial, the swept keys as its last columns"
else fail "summary.csv with swept columns" "$(cat "$run/summary.csv" 2>&1)"; fi
if cmp -s "$run/experiment.ini" "$tmp/initsweep.ini" &&
   python3 - "$run/plan.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["experiment"] == "initsweep" and p["swept"] == ["init", "init_std"], p["swept"]
assert len(p["trials"]) == 16
t = {(x["variant"], x["seed"]): x for x in p["trials"]}
c = t[("no-bn-init-gaussian-init_std-1", 2)]["config"]
assert c["init_std"] == "1" and c["norm"] == "none" and c["seed"] == "2" and c["steps"] == "60", c
assert t[("bn-init-xavier_normal", 1)]["dir"] == "bn-init-xavier_normal/seed-1"
assert len(c) > 40   # every key, not only those the file sets
assert p["datasets"][0]["name"] == "mnist" and len(p["datasets"][0]["files"]) == 4
EOF
then ok "plan.json: every trial's full config, the swept keys, the data sums; the .ini copied"
else fail "plan.json and experiment.ini"; fi

# --- curves.csv and plot sweep ---
if out=$($BNEXP plot accuracy --run "$run" 2>&1) && $pngcheck "$run/plots/initsweep-accuracy.png" 900 600 &&
   [ "$(head -n 1 "$run/curves.csv")" = "variant,metric,step,seeds,n,mean,sd,min,max,init,init_std" ] &&
   grep -q "^no-bn-init-gaussian-init_std-0.1,test_accuracy,60,2,2,.*,gaussian,0.1$" "$run/curves.csv"; then
    ok "curves.csv has the swept keys as columns; the accuracy chart of 8 variants renders"
else fail "curves.csv swept columns" "$out $(head -n 3 "$run/curves.csv" 2>&1)"; fi
if out=$($BNEXP plot sweep --run "$run" --x init_std --by norm --logx 2>&1) &&
   [ "$out" = "$run/plots/initsweep-sweep-init_std-by-norm-logx.png" ] && $pngcheck "$out" 900 600 &&
   python3 - "$run" <<'EOF2'
import csv, statistics, sys
run = sys.argv[1]
rows = list(csv.DictReader(open(run + "/summary.csv")))
sweep = list(csv.DictReader(open(run + "/sweep.csv")))
# --by norm would put xavier (init_std 1) and gaussian at std 1 at one point:
# the lines are split by init too, so a point is one variant
groups = sorted({p["group"] for p in sweep})
assert groups == ["norm=batch; init=gaussian", "norm=batch; init=xavier_normal",
                  "norm=none; init=gaussian", "norm=none; init=xavier_normal"], groups
# every point: the mean and sd of its variant's finished seeds, from summary.csv
for p in sweep:
    keys = dict(kv.split("=") for kv in p["group"].split("; "))
    mine = [r for r in rows if r["variant"].startswith("bn-" if keys["norm"] == "batch" else "no-bn-")
            and r["init"] == keys["init"] and r["init_std"] == p["x"]]
    ys = [float(r["final_test_accuracy"]) for r in mine if r["status"] == "done"]
    assert int(p["trials"]) == len(mine) == 2, (p, len(mine))
    assert int(p["n"]) == len(ys)
    if ys:
        assert abs(float(p["mean"]) - statistics.mean(ys)) < 1e-9, p
        sd = statistics.stdev(ys) if len(ys) > 1 else 0
        assert abs(float(p["sd"]) - sd) < 1e-6, (p, sd)
xs = [float(p["x"]) for p in sweep if p["group"] == "norm=batch; init=gaussian"]
assert xs == sorted(xs) and xs[0] == 0.01 and xs[-1] == 1, xs
assert [p["x"] for p in sweep if p["group"] == "norm=batch; init=xavier_normal"] == ["1"], sweep
EOF2
then ok "plot sweep --x init_std --by norm --logx: a PNG, a point per variant (init added to --by), and sweep.csv's means and sds are summary.csv's"
else fail "plot sweep init_std" "$out"; fi
if out=$($BNEXP plot sweep --run "$run" --x init 2>&1) && $pngcheck "$out" 900 600 &&
   grep -q "^norm=batch; init_std=1,xavier_normal,1,2,2," "$run/sweep.csv"; then
    ok "plot sweep --x init: values that are not numbers, placed in order; lines by the other swept keys"
else fail "plot sweep --x init" "$out $(cat "$run/sweep.csv")"; fi
if out=$($BNEXP plot sweep --run "$run" --x init_std --by bn 2>&1) &&
   [ "$out" = "$run/plots/initsweep-sweep-init_std-by-norm.png" ]; then
    ok "plot sweep --by bn: the shorthand names the key norm"
else fail "plot sweep --by bn" "$out"; fi
# A point where every seed diverged breaks its line; a mean of fewer seeds
# is ringed (drawn by the real gnuplot, read back from the SVG)
div=$tmp/diverged && rm -rf "$div" && cp -r "$run" "$div" && python3 - "$div/summary.csv" <<'EOF2'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    if r["variant"] == "bn-init-gaussian-init_std-0.1" or (
            r["variant"] == "bn-init-gaussian-init_std-1" and r["seed"] == "2"):
        r["status"] = "diverged"
w = csv.DictWriter(open(sys.argv[1], "w", newline=""), fieldnames=list(rows[0]), lineterminator="\n")
w.writeheader()
w.writerows(rows)
EOF2
if out=$($BNEXP plot sweep --run "$div" --x init_std --by norm,init --logx --format svg -o "$tmp/div.svg" 2>&1) &&
   python3 - "$tmp/div.svg" <<'EOF2'
import re, sys
svg = open(sys.argv[1]).read()
plots = svg.split('<g id="gnuplot_plot_')[1:]
line = [p for p in plots if "<text>norm=batch; init=gaussian</text>" in p]
assert len(line) == 1, len(plots)
# its markers: init_std 0.01 (2 seeds) and 1 (1 seed); none at 0.1 (0 seeds)
pts = re.findall(r"#gpPt6' transform='translate\(([\d.]+),([\d.]+)\)", line[0])
pts = sorted({(float(x), float(y)) for x, y in pts})
data = [p for p in pts if p[1] < max(q[1] for q in pts)]  # the legend's marker is lowest
assert len(data) == 2, pts
path = " ".join(re.findall(r"d='([^']*)'", line[0])).split()
(x0, y0), (x1, y1) = data
a, b = "%.2f,%.2f" % (x0, y0), "%.2f,%.2f" % (x1, y1)
# the line starts at 0.01; drawn across 0.1 its next step would be "Lx1,y1",
# broken there it is a move, "Mx1,y1"
i = [t[1:] for t in path].index(a)
assert path[i + 1] == "M" + b, (a, b, path[i:i + 4])
# one ring (open circle) at init_std 1, and its legend entry
rings = re.findall(r"#gpPt5' transform='translate\(([\d.]+),", svg)
assert len(rings) == 2 and any(abs(float(x) - x1) < 0.01 for x in rings), rings
assert "ringed: a mean of fewer seeds" in svg
EOF2
then ok "plot sweep: a line is broken where every seed diverged, a mean of fewer seeds is ringed (gnuplot's SVG)"
else fail "plot sweep: broken line and rings" "$out"; fi
# status --json: one object, parsed; every trial of the plan, done, counted
if out=$($BNEXP status --run "$run" --json 2>&1) && python3 - "$out" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
assert d["format"] == "bnexp-status" and d["version"] == 1, d
assert d["experiment"] == "initsweep" and d["tag"] == "" and d["slurm_jobs"] == []
t = d["trials"]
assert len(t) == 16 and [x["index"] for x in t] == list(range(16))
assert all(x["state"] == "done" and x["step"] == x["steps"] == 60 for x in t), t
assert all(0 <= x["test_accuracy"] <= 1 and x["error"] is None and x["queue"] is None for x in t)
assert d["counts"] == {"pending": 0, "running": 0, "done": 16, "diverged": 0, "failed": 0,
                       "interrupted": 0}, d["counts"]
EOF
then ok "status --json: the documented object, every trial done at its last step"
else fail "status --json" "$out"; fi
expect_exit "--json where a command has none" 2 "--json is an option of" $BNEXP collect --run "$run" --json

svg=""
# --tag: the run directory STAMP-TAG, plan.json's tag, the tag naming the run in charts
if out=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --tag first-try --set steps=2 --set eval_every=1 \
         --variants bn-init-xavier_normal --seeds 1 2>&1) &&
   tagged=$(ls -d "$work"/runs/initsweep/*-first-try) && [ -d "$tagged" ] &&
   grep -q '"tag":[[:space:]]*"first-try"' "$tagged/plan.json" &&
   svg=$(cd "$work" && "$bnexp" plot accuracy --run "$tagged" --format svg 2>&1) &&
   grep -q "run first-try on mnist, with --set steps=2" "$svg"; then
    ok "--tag: runs/E/STAMP-TAG, recorded in plan.json, the run's name in the chart"
else fail "--tag" "$out $(ls "$work/runs/initsweep" 2>&1) $svg"; fi
expect_exit "--tag that is not a plain name" 2 "a tag must be" $BNEXP run "$tmp/initsweep.ini" --tag 'a b' --dry-run
expect_exit "--tag with --resume" 2 "resume" $BNEXP run "$tmp/initsweep.ini" --tag x --resume

# the options every chart takes, and what they refuse (exit 2)
if out=$($BNEXP plot accuracy --run "$run" --variants 'bn-init-gaussian-*,no-bn-init-xavier_normal' \
         -o "$tmp/some.svg" --title "Four of eight" --ymin 0 --ymax 1 --color-by init_std 2>&1) &&
   [ "$out" = "$tmp/some.svg" ] && grep -q "<svg" "$tmp/some.svg" && grep -q "Four of eight" "$tmp/some.svg" &&
   grep -q "bn-init-gaussian-init_std-0.1 (final" "$tmp/some.svg" &&
   grep -q "no-bn-init-xavier_normal (final" "$tmp/some.svg" && ! grep -q "bn-init-xavier_normal (final" \
   <<<"$(sed 's/no-bn-init-xavier_normal//' "$tmp/some.svg")"; then
    ok "plot accuracy -o FILE.svg --variants GLOBS --title --ymin --ymax --color-by: an SVG of the chosen variants"
else fail "plot accuracy with options" "$out"; fi
expect_exit "plot --variants matching nothing" 2 "'zz-\*' matches no variant" \
    $BNEXP plot accuracy --run "$run" --variants 'zz-*'
expect_exit "plot --color-by a key the run lacks" 2 "did you mean 'init'" \
    $BNEXP plot loss --run "$run" --color-by inti
expect_exit "plot --ymin above --ymax" 2 "not below --ymax" \
    $BNEXP plot accuracy --run "$run" --ymin 0.9 --ymax 0.1
expect_exit "plot --ymin on a chart of panels" 2 "one-axis charts" \
    $BNEXP plot activations --run "$run" --ymin 0
expect_fail "plot sweep refuses an --x that is not swept" "--x lr: lr is not swept in this run.*the keys that vary: norm,init,init_std" \
    $BNEXP plot sweep --run "$run" --x lr
expect_fail "plot sweep refuses --logx for values that are not numbers" "--logx: init takes values that are not numbers" \
    $BNEXP plot sweep --run "$run" --x init --logx
expect_fail "plot sweep refuses a --y that is not a summary column" "--y status: not a numeric column" \
    $BNEXP plot sweep --run "$run" --x init_std --y status
expect_fail "plot sweep refuses --by the key on x" "is the key on x" $BNEXP plot sweep --run "$run" --x init_std --by init_std
expect_fail "plot sweep needs --x" "give --x KEY" $BNEXP plot sweep --run "$run"
expect_fail "--x on another chart is refused, not ignored" "options of plot sweep" $BNEXP plot accuracy --run "$run" --x lr

# --- plot curve: any metrics.csv column, one or several runs ---
if out=$($BNEXP plot curve --run "$run" --y test_loss --logy 2>&1) &&
   [ "$out" = "$run/plots/initsweep-curve-test_loss.png" ] && $pngcheck "$out" 900 600 &&
   [ "$(grep -c ',test_loss,' "$run/curves-test_loss.csv")" = 24 ]; then
    ok "plot curve --y test_loss: a PNG, and the per-step statistics of the column (8 variants x 3 records)"
else fail "plot curve --y test_loss" "$out"; fi
if out2=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --variants bn --grid init_std=0.1 --seed 1 \
          --out "$tmp/run2" 2>&1) &&
   out=$($BNEXP plot curve --run "$run" --run "$tmp/run2" --y train_loss --x examples 2>&1) && $pngcheck "$out" 900 600 &&
   grep -q "^run2:bn-init-gaussian-init_std-0.1,train_loss,30," "$run/curves-train_loss.csv" &&
   grep -q "^$(basename "$run"):bn-init-gaussian-init_std-0.1,train_loss,30," "$run/curves-train_loss.csv" &&
   grep -q "^no-bn-init-xavier_normal,train_loss," "$run/curves-train_loss.csv"; then
    ok "plot curve --run A --run B: both runs on one chart, clashing variant names prefixed by their run"
else fail "plot curve with two runs" "$out2 $out"; fi
expect_fail "plot accuracy with two runs is refused, not silently one" "one --run at a time" \
    $BNEXP plot accuracy --run "$run" --run "$tmp/run2"
expect_fail "plot curve needs --y" "give --y COLUMN" $BNEXP plot curve --run "$run"
expect_fail "plot curve --y that is not a column" "has no column 'test_los' (its columns: step, epoch" \
    $BNEXP plot curve --run "$run" --y test_los
expect_fail "plot curve --x that is not step, epoch or examples" "expected step, epoch or examples" \
    $BNEXP plot curve --run "$run" --y test_loss --x hours

# --- the train-set evaluation: train_eval_loss, train_eval_accuracy ---
if python3 - "$run" <<'EOF'
import csv, glob, math, sys
for path in glob.glob(sys.argv[1] + "/*/seed-*/metrics.csv"):
    rows = list(csv.DictReader(open(path)))
    for r in rows:
        assert 0 <= float(r["train_eval_accuracy"]) <= 1 and float(r["train_eval_loss"]) > 0, (path, r)
# weights of std 0.01 without BN: logits near 0 at step 0, so both losses are ln 10
r0 = next(csv.DictReader(open(sys.argv[1] + "/no-bn-init-gaussian-init_std-0.01/seed-1/metrics.csv")))
assert abs(float(r0["train_eval_loss"]) - math.log(10)) < 0.01 and abs(float(r0["test_loss"]) - math.log(10)) < 0.01, r0
EOF
then ok "metrics.csv: train_eval_loss and train_eval_accuracy at every record (ln 10 at step 0 for tiny weights)"
else fail "train_eval columns"; fi
if out=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --variants no-bn --grid init_std=0.1 --seed 1 \
         --set train_eval_size=0 --out "$tmp/noeval" 2>&1) &&
   [ "$(cut -d, -f8,9 "$tmp/noeval/no-bn-init-xavier_normal/seed-1/metrics.csv" | sort -u | tr '\n' ' ')" = ", train_eval_loss,train_eval_accuracy " ] &&
   out=$($BNEXP plot curve --run "$run" --y train_eval_accuracy 2>&1) && $pngcheck "$out" 900 600; then
    ok "train_eval_size = 0 leaves the columns empty; plot curve --y train_eval_accuracy renders"
else fail "train_eval_size = 0, plot curve of train_eval_accuracy" "$out"; fi

# --- plot histograms: a heatmap panel per variant and hidden layer ---
if out=$($BNEXP plot histograms --run "$run" 2>&1) && [ "$out" = "$run/plots/initsweep-histograms.png" ] &&
   $pngcheck "$out" 900 600 && python3 - "$run" <<'EOF'
import collections, csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/histograms-fraction.csv")))
total = collections.defaultdict(float)
for r in rows:
    assert float(r["bin_lo"]) < float(r["bin_hi"]) and 0 < float(r["fraction"]) <= 1, r
    total[(r["panel"], r["step"])] += float(r["fraction"])
assert len({r["panel"] for r in rows}) == 16, len({r["panel"] for r in rows})   # 8 variants x 2 layers
assert all(t <= 1 + 1e-4 for t in total.values()), max(total.values())
assert sum(t > 0.99 for t in total.values()) > len(total) / 2   # most values fall inside [-15, 15]
EOF
then ok "plot histograms: 16 panels (8 variants x 2 layers); each step's fractions sum to at most 1"
else fail "plot histograms" "$out"; fi
if out2=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --grid init_std=1e-2:1e1:x2 --seed 1 --out "$tmp/many" 2>&1); then
    expect_fail "plot histograms refuses more than 24 panels" "plot histograms draws at most 24" $BNEXP plot histograms --run "$tmp/many"
else fail "a run of 22 variants" "$out2"; fi

# --- report --pair: each point against its twin ---
if out=$($BNEXP report --run "$run" --pair bn=false 2>/dev/null) && [ "$out" = "$(cat "$run/report.md")" ] &&
   grep -q "^| bn-init-gaussian-init_std-0.01 | no-bn-init-gaussian-init_std-0.01 | 2 | " <<<"$out" &&
   grep -q "^| bn-init-xavier_normal | no-bn-init-xavier_normal | 2 | " <<<"$out" &&
   [ "$(grep -c '^| bn-' <<<"$out")" = 4 ] && ! grep -q '^| no-bn-' <<<"$out"; then
    ok "report --pair bn=false: every bn point against its no-bn twin, printed and in report.md"
else fail "report --pair bn=false" "$out"; fi
if out=$($BNEXP report --run "$run" 2>/dev/null) && grep -q "Baseline: none usable (the run has no baseline variant)" <<<"$out" &&
   [ "$(grep -c '^| .*-init-' <<<"$out")" = 8 ]; then
    ok "report of a grid without a no-bn/baseline variant: the table without targets, not a refusal"
else fail "report without a baseline" "$out"; fi
expect_fail "report --pair with a key that does not vary" "--pair lr=1: lr does not vary" $BNEXP report --run "$run" --pair lr=1
expect_fail "report --pair and --baseline together" "give one" $BNEXP report --run "$run" --pair bn=false --baseline no-bn

# --- --grid replaces one key's values; precedence: grid point < --set ---
if out=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --grid init_std=0.5 --variants bn \
         --seed 3 --set init=kaiming_normal --dry-run 2>&1) &&
   grep -q "2 trial(s), 2 variant(s)" <<<"$out" && grep -q "^bn-init-gaussian-init_std-0.5 .* 3 .*kaiming_normal" <<<"$out"; then
    ok "--grid replaces the file's values of one key; --set beats the grid point; --variants takes a file variant's points"
else fail "--grid, --set and --variants on a grid" "$out"; fi
if out=$($BNEXP run fig1 --grid lr=0.1,1 --grid bn=true --seed 1 --dry-run 2>&1) &&
   grep -q "4 trial(s)" <<<"$out" && grep -q "^baseline-lr-1-norm-batch " <<<"$out"; then
    ok "--grid on an experiment without a grid makes one"
else fail "--grid without a [grid]" "$out"; fi

# --- refusals: file:line and key ---
bad() { printf '[experiment]\nsteps = 1\n[variant.a]\n%b' "$1" >"$tmp/bad.ini"; }
bad '[grid]\n'
expect_fail "an empty [grid] is refused with file:line" "bad.ini:4: \[grid\] has no key" $BNEXP run "$tmp/bad.ini" --dry-run
bad '[grid]\nlr = 0.1,,0.2\n'
expect_fail "an empty grid value is refused with file:line and key" "bad.ini:5: key lr: .*empty grid value" $BNEXP run "$tmp/bad.ini" --dry-run
bad '[grid]\ninit_std = 1:1e-3:x10\n'
expect_fail "a backwards range is refused" "bad.ini:5: key init_std: .*not a range" $BNEXP run "$tmp/bad.ini" --dry-run
bad '[grid]\nbogus = 1,2\n'
expect_fail "an unknown grid key is refused" "bad.ini:5: unknown key 'bogus'" $BNEXP run "$tmp/bad.ini" --dry-run
expect_fail "a malformed --grid is refused naming it" "--grid lr=0.1:1: key lr" $BNEXP run fig1 --grid lr=0.1:1 --dry-run
expect_exit "a missing PATH.ini (a usage error: exit 2)" 2 "cannot read experiment file $tmp/none.ini: No such file" $BNEXP run "$tmp/none.ini" --dry-run
expect_exit "an unknown key in the file exits 2, as from --set" 2 "bad.ini:5: unknown key 'bogus'" $BNEXP run "$tmp/bad.ini" --dry-run
expect_exit "an unknown key from --set exits 2" 2 "did you mean 'hidden_units'" $BNEXP run fig1 --set hiden_units=3 --dry-run
expect_exit "a misspelt experiment exits 2 with the closest" 2 "did you mean 'fig1'" $BNEXP run fgi1 --dry-run
printf '[experiment]\nsteps = 1\n' >"$tmp/neither.ini"
# neither a variant nor a grid: [experiment] is the one variant, "base";
# --grid on it gives the points alone
if out=$(cd "$work" && "$bnexp" run "$tmp/neither.ini" --dry-run 2>&1) &&
   grep -q "1 trial(s), 1 variant(s)" <<<"$out" && grep -q "^base " <<<"$out" &&
   out=$(cd "$work" && "$bnexp" run "$tmp/neither.ini" --grid lr=0.1,1 --dry-run 2>&1) &&
   grep -q "2 trial(s), 2 variant(s)" <<<"$out" && grep -q "^lr-1 " <<<"$out"; then
    ok "a file with neither a variant nor a grid runs [experiment] as 'base'; --grid makes points lr-1"
else fail "a file with neither a variant nor a grid" "$out"; fi
# a grid alone: its points are the variants, named by their keys only
printf '[experiment]\nsteps = 1\n[grid]\nlr = 0.1,1\nnorm = none,batch\n' >"$tmp/gridonly.ini"
if out=$(cd "$work" && "$bnexp" run "$tmp/gridonly.ini" --dry-run 2>&1) &&
   grep -q "4 trial(s), 4 variant(s)" <<<"$out" && grep -q "^lr-0.1-norm-none " <<<"$out" &&
   grep -q "^lr-1-norm-batch " <<<"$out"; then
    ok "a grid-only file: a variant a point, named lr-0.1-norm-none"
else fail "a grid-only file" "$out"; fi
cp "$tmp/initsweep.ini" "$tmp/-x.ini"
expect_fail "a PATH.ini whose name is not path-safe" "the experiment's name.*must be" $BNEXP run "$tmp/-x.ini" --dry-run
expect_fail "--dry-run with --resume" "not with --resume" $BNEXP run fig1 --dry-run --resume

# tables as wide as their longest value: a long grid point name does not
# shift the columns after it (the seed column ends where its header does)
cat >"$tmp/widths.ini" <<'INI'
[experiment]
description = column widths
steps = 1
[variant.a-long-name]
[grid]
lr = 0.1, 0.05
norm_placement = before, after
activation = sigmoid, relu
INI
if out=$($BNEXP run "$tmp/widths.ini" --dry-run 2>&1) &&
   awk '/^variant/ { end = index($0, "seed") + 3; next }
        /^estimated/ { end = 0 }
        end && NF > 3 { n++; if (substr($0, end, 1) != "1" || substr($0, end + 1, 1) != " ") bad = 1 }
        END { exit !(n == 8 && !bad) }' <<<"$out"; then
    ok "--dry-run's table: every seed under its header, whatever the grid point names"
else fail "--dry-run's table columns" "$out"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
