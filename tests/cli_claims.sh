#!/usr/bin/env bash
# CLI tests of verdict rules and the claims table on real MNIST: bnexp run
# claims runs every experiment with a rule and writes runs/claims.md and
# claims.csv (charts rendered); bnexp report appends a run's verdicts; a
# rule edited after the run is flagged and does not decide; a rule added
# after the run is not run; a run that has not ended is an error row; a bad
# rule is refused before anything runs, and leaves the last table whole.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
PNGCHECK=${PNGCHECK:-./build/pngcheck}
bnexp=$(cd "$(dirname "$BNEXP")" && pwd)/$(basename "$BNEXP")
pngcheck=$(cd "$(dirname "$PNGCHECK")" && pwd)/$(basename "$PNGCHECK")
tmp=$(mktemp -d /tmp/bnexp-claims.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

home=$tmp/home
work=$tmp/work
mkdir -p "$home/experiments" "$work"
ln -s "$PWD/datasets" "$home/datasets"
ln -s "$PWD/plots" "$home/plots"
cat >"$home/experiments/tiny.ini" <<'EOF'
; A tiny experiment with two rules, for the tests.
[experiment]
description = tiny: BN vs none on a small MLP
hidden_layers = 2
hidden_units = 32
steps = 200
eval_every = 100
lr = 0.5
probe_size = 100
train_eval_size = 100
seeds = 2
[variant.bn]
bn = true
[variant.no-bn]
bn = false
[grid]
init_std = 0.01, 1
[verdict.better]
claim = 2
statement = BN ends above no BN, at every init
source = the test
written = in the test, before the run
at = init_std
measure = mean(final_test_accuracy | bn=true)
  - mean(final_test_accuracy | bn=false)
holds = > -1
min_seeds = 2
chart = sweep --x init_std --by norm --logx
[verdict.impossible]
claim = 7
statement = accuracy above 1
written = in the test, before the run
measure = mean(final_test_accuracy)
holds = > 1
EOF
cat >"$home/experiments/later.ini" <<'EOF'
[experiment]
steps = 10
[variant.a]
bn = true
[verdict]
claim = 10
statement = never run
written = in the test
measure = mean(final_test_accuracy)
holds = > 0
EOF
cp "$home/experiments/later.ini" "$home/experiments/plain.ini"
sed -i '/^\[verdict\]/,$d' "$home/experiments/plain.ini"

b() { (cd "$work" && env BNEXP_HOME="$home" "$bnexp" "$@"); }

# --- run claims: every experiment with a rule, then the table ---
if out=$(b run claims --only tiny --jobs 2 2>&1) && [ -f "$work/runs/claims.md" ] &&
    [ -f "$work/runs/claims.csv" ] && grep -q "experiment 1: bnexp run tiny --jobs 2" <<<"$out"; then
    ok "run claims --only tiny: ran tiny, wrote runs/claims.md and claims.csv"
else
    fail "run claims --only tiny" "$out"
fi
md=$(cat "$work/runs/claims.md" 2>/dev/null)
run=$(cd "$work/runs/tiny" 2>/dev/null && readlink latest)
if grep -q "| 2 | BN ends above no BN, at every init | the test | \[tiny\](#tiny-better) | .* over 2 points | \*\*holds\*\* | \[chart\](tiny/$run/plots/tiny-sweep-init_std-by-norm.png) |" <<<"$md" &&
    grep -q "| 7 | accuracy above 1 | - | \[tiny\](#tiny-impossible) | 0\.[0-9]* (per seed 0\.[0-9]* ± [0-9.e-]*, 2 seeds) | \*\*does not hold\*\* | - |" <<<"$md" &&
    grep -q "| 10 | never run | - | \[later\](#later) | - | \*\*not run\*\* | - |" <<<"$md" &&
    ! grep -q "plain" <<<"$md"; then
    ok "claims.md: one row per rule, by claim: holds, does not hold, not run; the chart linked"
else
    fail "claims.md rows" "$md"
fi
if out=$("$pngcheck" "$work/runs/tiny/$run/plots/tiny-sweep-init_std-by-norm.png" 900 600 2>&1); then
    ok "the rule's chart is a PNG"
else
    fail "the rule's chart is a PNG" "$out"
fi
csv=$(cat "$work/runs/claims.csv" 2>/dev/null)
if [ "$(head -1 <<<"$csv")" = "claim,rule,experiment,statement,source,written,run,state,verdict,point,seeds,point_decided,point_holds,measure,seed_mean,seed_sd,seed_n,why" ] &&
    [ "$(grep -c "^2,better,tiny,\"BN ends above no BN, at every init\",the test,\"in the test, before the run\",runs/tiny/$run,decided,holds,init_std=0.0[1],2,1,1," <<<"$csv")" = 1 ] &&
    grep -q "^10,,later,never run,,in the test,,not run,,,,,,,,,," <<<"$csv" &&
    [ "$(wc -l <<<"$csv")" = 5 ]; then
    ok "claims.csv: a row per rule and point, text quoted"
else
    fail "claims.csv" "$csv"
fi

# --- report: the run's own verdicts in report.md ---
if out=$(b report tiny 2>&1) && grep -q "^## Verdicts" <<<"$out" &&
    grep -q "^### verdict.better (claim 2): holds" <<<"$out" &&
    grep -q "^| init_std=1 | 2 | " <<<"$out"; then
    ok "report: report.md ends with the run's verdicts"
else
    fail "report: verdicts" "$out"
fi

# --- report claims is idempotent ---
cp "$work/runs/claims.csv" "$tmp/claims1.csv"
if b report claims >/dev/null 2>&1 && cmp -s "$tmp/claims1.csv" "$work/runs/claims.csv"; then
    ok "report claims again: claims.csv byte-identical"
else
    fail "report claims again: claims.csv changed" "$(diff "$tmp/claims1.csv" "$work/runs/claims.csv")"
fi

# --- a rule edited after the run does not decide; one added is not run ---
sed -i 's/^holds = > 1$/holds = > 0/' "$home/experiments/tiny.ini"
cat >>"$home/experiments/tiny.ini" <<'EOF'
[verdict.added]
claim = 3
statement = added after the run
written = after the run
measure = mean(final_test_accuracy)
holds = > 0
EOF
md=$(b report claims --no-charts 2>/dev/null)
if grep -q "accuracy above 1 .* \*\*does not hold\*\* (rule edited since the run)" <<<"$md" &&
    grep -q "the run's own rule decided it" <<<"$md" &&
    grep -q "| 3 | added after the run | - | \[tiny\](#tiny-added) | - | \*\*not run\*\* | - |" <<<"$md" &&
    grep -q "not run with this rule (the latest run's copy of the file lacks it)" <<<"$md"; then
    ok "an edited rule: the run's own rule decides, flagged; an added rule: not run"
else
    fail "edited and added rules" "$md"
fi

# --- a bad rule: refused before anything runs; the last table stays whole ---
cp "$work/runs/claims.md" "$tmp/claims-before.md"
printf '[verdict.bad]\nclaim = 1\nstatement = s\nwritten = w\nmeasure = mean(colour)\nholds = > 0\n' \
    >>"$home/experiments/tiny.ini"
expect_fail "run: a bad rule is refused with file:line, naming the column" \
    "tiny.ini:[0-9]*: \[verdict.bad\]: verdict key measure, at character 6 ('colour)'): 'colour' is not a numeric column" \
    b run tiny --out "$tmp/never"
if [ ! -e "$tmp/never" ]; then ok "nothing was created for the refused run"; else fail "a run directory was created"; fi
expect_fail "report claims: a bad experiment file is named" "tiny.ini" b report claims
if cmp -s "$tmp/claims-before.md" "$work/runs/claims.md"; then
    ok "the refused report left the last claims.md whole"
else
    fail "claims.md changed after a refused report"
fi
sed -i '/^\[verdict.bad\]/,$d' "$home/experiments/tiny.ini"

# --- a run that has not ended is an error row, with the reason ---
rm "$work/runs/tiny/$run/summary.csv"
md=$(b report claims --no-charts 2>/dev/null)
if grep -q "BN ends above no BN, at every init .* \*\*error\*\*" <<<"$md" &&
    grep -q "not decided: .*summary.csv not found: the run has not ended" <<<"$md"; then
    ok "a run without summary.csv: an error row saying why"
else
    fail "a run without summary.csv" "$md"
fi

# --- run claims through GNU parallel (the cluster launchers take the same options) ---
if command -v parallel >/dev/null 2>&1; then
    rm -f "$work/runs/claims.csv"
    if out=$(b run claims --only tiny --launcher parallel --jobs 2 2>&1) &&
        grep -q "experiment 1: bnexp run tiny --jobs 2" <<<"$out" &&
        [ -f "$work/runs/tiny/$(cd "$work/runs/tiny" && readlink latest)/commands.txt" ] &&
        grep -q "^2,better,tiny,.*,decided,holds," "$work/runs/claims.csv"; then
        ok "run claims --launcher parallel: the run went through GNU parallel, the table was written"
    else
        fail "run claims --launcher parallel" "$out"
    fi
else
    skip "run claims --launcher parallel: GNU parallel is not installed"
fi

# --- SIGTERM to run claims reaches the running experiment, which stops resumably ---
cat >"$home/experiments/slow.ini" <<'EOF2'
[experiment]
hidden_layers = 2
hidden_units = 32
steps = 200000
eval_every = 1000
probe_size = 100
checkpoint_every = 500
[variant.a]
bn = true
[verdict]
claim = 1
statement = slow
written = in the test
measure = mean(final_test_accuracy)
holds = > 0
EOF2
(cd "$work" && exec env BNEXP_HOME="$home" "$bnexp" run claims --only slow) >"$tmp/slow.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ -f "$work/runs/slow/latest/a/seed-1/metrics.csv" ] && break
    sleep 0.1
done
sleep 0.5
kill -TERM $pid
wait $pid; rc=$?
sleep 0.2
if [ $rc = 143 ] && grep -q "stopped during slow; \`bnexp run slow --resume\` continues it" "$tmp/slow.out" &&
    ! pgrep -f "run slow" >/dev/null &&
    grep -q "interrupted\|--resume" "$tmp/slow.out"; then
    ok "SIGTERM to run claims: passed to the running experiment, exit 143, how to resume said"
else
    fail "SIGTERM to run claims (exit $rc)" "$(cat "$tmp/slow.out")"
    pkill -f "run slow"
fi

# --- rows_*(): a rule over a CSV of every trial (ics.csv), decided on a run ---
# tiny's experiment and variants as it ran (no grid, no rules), with ics.csv
sed -e '/^\[grid\]/,$d' -e 's/^\[experiment\]$/&\nics = true/' "$work/runs/tiny/latest/experiment.ini" >"$tmp/rows.ini"
cat >>"$tmp/rows.ini" <<'EOF'
[verdict.rows]
claim = 1
statement = a measure over ics.csv's rows
written = in the test
measure = mean(rows_mean(ics.csv, w1, point=pre_activation) | bn=true)
  - mean(rows_max(ics.csv, w1, point=pre_activation, layer=1) | bn=false)
holds = > -1000
[verdict.nofile]
claim = 1
statement = a file the trials do not have
written = in the test
measure = mean(rows_mean(landscape.csv, loss))
holds = > 0
EOF
out=$(b run "$tmp/rows.ini" 2>&1 && b report rows 2>&1)
# the measure as Python computes it from the trials' ics.csv
want=$(python3 - "$work/runs/rows/latest" <<'EOF'
import csv, math, statistics, sys
def w1(variant, seed, **f):
    rows = csv.DictReader(open(f"{sys.argv[1]}/{variant}/seed-{seed}/ics.csv"))
    return [float(r["w1"]) for r in rows
            if all(r[k] == v for k, v in f.items()) and r["w1"] and math.isfinite(float(r["w1"]))]
bn = statistics.mean(statistics.mean(w1("bn", k, point="pre_activation")) for k in (1, 2))
nobn = statistics.mean(max(w1("no-bn", k, point="pre_activation", layer="1")) for k in (1, 2))
print("%.4g" % (bn - nobn))
EOF
)
missing=""
for text in "### verdict.rows (claim 1): holds" "| all trials | 2 | ${want:-?} | " \
    '| `mean(rows_mean(ics.csv, w1, point=pre_activation) \| norm=batch)` | `mean(rows_max(ics.csv, w1, point=pre_activation, layer=1) \| norm=none)` |' \
    "### verdict.nofile (claim 1): not decided" "/bn/seed-1/landscape.csv not found (the verdict's measure reads rows_mean(landscape.csv"; do
    grep -qF -- "$text" <<<"$out" || missing+=" [$text]"
done
if [ -z "$missing" ]; then ok "report: rows_*() over every trial's ics.csv, as Python computes it ($want); a file no trial has named"
else fail "report: rows_*() verdicts: missing$missing" "$out"; fi

# --- usage ---
expect_fail "run claims: --sbatch without a launcher" "go with --launcher slurm or parallel" \
    b run claims --sbatch "--time=1"
expect_fail "report claims: an unexpected argument" "unexpected argument 'tiny'" b report claims tiny
expect_fail "run claims --only: not an experiment with a rule" "plain is not an experiment with a verdict rule" \
    b run claims --only plain --dry-run

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
