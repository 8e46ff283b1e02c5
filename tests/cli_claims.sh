#!/usr/bin/env bash
# CLI tests of verdict rules and the claims table on real MNIST: bnexp run
# claims runs every experiment with a rule and writes runs/claims.md and
# claims.csv (charts rendered); bnexp report appends a run's verdicts; a
# rule edited after the run is flagged and does not decide; a rule added
# after the run is not run; a run that has not ended is an error row; a bad
# rule is refused before anything runs, and leaves the last table whole.
# The suite: the trials of every experiment in one queue, longest first
# (--dry-run's order), one pool, each experiment's verdicts as its last
# trial ends; a finished suite resumed runs nothing; GNU parallel runs the
# same queue; SIGTERM then --resume gives the summaries and claims.csv of
# an uninterrupted suite; two looks (max_seeds): --first-look, --until-decided
# and the suite's second queue.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
PNGCHECK=${PNGCHECK:-./build/pngcheck}
bnexp=$(cd "$(dirname "$BNEXP")" && pwd)/$(basename "$BNEXP")
pngcheck=$(cd "$(dirname "$PNGCHECK")" && pwd)/$(basename "$PNGCHECK")
tmp=$(mktemp -d /tmp/bnexp-claims.XXXXXX)
bg=""   # a bnexp started in the background: stopped (with its trials) by PID at exit
stop_bg() {
    [ -n "$bg" ] || return 0
    kill -9 $(pgrep -P "$bg") "$bg" 2>/dev/null
    wait "$bg" 2>/dev/null
    bg=""
}
trap 'stop_bg; rm -rf "$tmp"' EXIT
. tests/checks.sh

home=$tmp/home
work=$tmp/work
mkdir -p "$home/experiments" "$work"
ln -s "$PWD/datasets" "$home/datasets"
ln -s "$PWD/plots" "$home/plots"
cat >"$home/experiments/tiny.ini" <<'EOF'
; A tiny experiment with two rules, for the tests.
[experiment]
description = tiny: BN vs none on a small MLP <script>alert(1)</script>
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
    [ -f "$work/runs/claims.csv" ] && grep -q "suite runs/claims/[0-9-]*, 1 experiment(s), 8 of 8 trial(s)" <<<"$out" &&
    grep -q '^tiny: claim 2 "BN ends above no BN, at every init": holds; .* over 2 points$' <<<"$out" &&
    grep -q '^tiny: claim 7 "accuracy above 1": does not hold; 0\.[0-9]* \[[0-9.e-]*, [0-9.e-]*\], 2 seeds' <<<"$out"; then
    ok "run claims --only tiny: ran tiny, its verdicts printed, wrote runs/claims.md and claims.csv"
else
    fail "run claims --only tiny" "$out"
fi
md=$(cat "$work/runs/claims.md" 2>/dev/null)
run=$(cd "$work/runs/tiny" 2>/dev/null && readlink latest)
if grep -q "| 2 | BN ends above no BN, at every init | the test | \[tiny\](#tiny-better) | mlp | .* over 2 points | \*\*holds\*\* | written: no ISO date | \[chart\](tiny/$run/plots/tiny-sweep-init_std-by-norm-logx.png) |" <<<"$md" &&
    grep -q "| 7 | accuracy above 1 | - | \[tiny\](#tiny-impossible) | mlp | 0\.[0-9]* \[[0-9.e-]*, [0-9.e-]*\], 2 seeds | \*\*does not hold\*\* | written: no ISO date | - |" <<<"$md" &&
    grep -q "| 10 | never run | - | \[later\](#later) | mlp | - | \*\*not run\*\* | - |" <<<"$md" &&
    grep -qx -- "- experiment file: experiments/tiny.ini" <<<"$md" && ! grep -qF "$home" <<<"$md" &&
    ! grep -q "plain" <<<"$md"; then
    ok "claims.md: one row per rule, by claim: holds, does not hold, not run; the chart linked; files named as in a checkout, not by this machine's path"
else
    fail "claims.md rows" "$md"
fi
if out=$("$pngcheck" "$work/runs/tiny/$run/plots/tiny-sweep-init_std-by-norm-logx.png" 900 600 2>&1); then
    ok "the rule's chart is a PNG"
else
    fail "the rule's chart is a PNG" "$out"
fi
# the pages in a real browser: claims.html and the run's index.html (bnexp
# report); screenshots kept in $BNEXP_SCREENSHOTS when it is set
# (BNEXP_NO_BROWSER=1: the sanitizer runs, where bnexp is what is tested and
# the pages' checks in chromium, the same pages, would only add time)
if [ -n "${BNEXP_NO_BROWSER:-}" ]; then
    echo "SKIP the pages in a browser: BNEXP_NO_BROWSER is set"
elif command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    shots=${BNEXP_SCREENSHOTS:-$tmp}
    if out=$(tests/browser_check.sh "$work/runs/claims.html" "$shots/claims.png" 2>&1) &&
       grep -q "^images [1-9]" <<<"$out" && grep -q "<table>" "$work/runs/claims.html"; then
        ok "claims.html in chromium: the table, its chart shown, every link resolves, no script"
    else fail "claims.html in chromium" "$out"; fi
    if out=$(cd "$work" && "$bnexp" report tiny 2>&1) && [ -f "$work/runs/tiny/$run/index.html" ] &&
       out=$(tests/browser_check.sh "$work/runs/tiny/$run/index.html" "$shots/index.png" 2>&1) &&
       grep -Eq "^images ([3-9]|[1-9][0-9]+)$" <<<"$out" && grep -Eq "^links [1-9][0-9]+$" <<<"$out" &&
       grep -q "BN ends above no BN" "$work/runs/tiny/$run/index.html"; then
        ok "index.html in chromium: the run's charts (SVG), report and verdicts, trials, files; every link resolves"
    else fail "index.html in chromium" "$out"; fi
    # hostile text from the experiment file is escaped, never markup
    if ! grep -q "<script" "$work/runs/tiny/$run/index.html" &&
       grep -q "small MLP &lt;script&gt;alert(1)&lt;/script&gt;" "$work/runs/tiny/$run/index.html"; then
        ok "the description's <script> is shown as text, not run"
    else fail "a script tag in the pages"; fi
else
    echo "SKIP the pages in a browser: chromium is not installed (make deps installs it)"
fi
csv=$(cat "$work/runs/claims.csv" 2>/dev/null)
if [ "$(head -1 <<<"$csv")" = "claim,rule,experiment,statement,source,written,run,state,verdict,point,seeds,point_decided,point_holds,measure,seed_mean,seed_sd,seed_n,why,point_verdict,ci_lo,ci_hi,seeds_needed,note,level,look,looks,network" ] &&
    [ "$(grep -c "^2,better,tiny,\"BN ends above no BN, at every init\",the test,\"in the test, before the run\",runs/tiny/$run,decided,holds,init_std=0.0[1],2,1,1," <<<"$csv")" = 1 ] &&
    grep -q "^10,,later,never run,,in the test,,not run,,,,,,,,,,.*,mlp$" <<<"$csv" &&
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

# --- report claims --compare: the rows that moved since an older table ---
sed '/,better,/s/,holds,/,does not hold,/g' "$tmp/claims1.csv" >"$tmp/claims-old.csv"
if md=$(b report claims --no-charts --compare "$tmp/claims-old.csv" 2>/dev/null) &&
   grep -q " 2 of 4 rows moved; 0 gone.$" <<<"$md" &&
   grep -q "^| tiny | better | .* | verdict | does not hold: .* | holds: .* |$" <<<"$md" &&
   cmp -s <(printf '%s\n' "$md") "$work/runs/claims-compare.md" && cmp -s "$tmp/claims1.csv" "$work/runs/claims.csv"; then
    ok "report claims --compare: the rule whose verdict moved, at both its points, before and after, in claims-compare.md"
else
    fail "report claims --compare" "${md:-}"
fi
expect_exit "report claims --compare: the table it rewrites is refused" 2 "is the table this command rewrites; copy it first" \
    b report claims --no-charts --compare runs/claims.csv
expect_exit "report claims --compare: a missing file" 1 "cannot open $tmp/none.csv: No such file or directory; nothing was written" \
    b report claims --no-charts --compare "$tmp/none.csv"
printf 'claim,rule\n1,x\n' >"$tmp/older.csv"
touch -d '2000-01-01' "$work/runs/claims.csv"
expect_exit "report claims --compare: a table without the intervals, refused before anything is written" 1 \
    "older.csv has no column 'experiment' in its header row; nothing was written" \
    b report claims --no-charts --compare "$tmp/older.csv"
[ "$(stat -c %Y "$work/runs/claims.csv")" = "$(date -d 2000-01-01 +%s)" ] && ok "report claims --compare: claims.csv untouched after the refusal" ||
    fail "report claims --compare: claims.csv rewritten before the refusal"

# --- where the numbers come from: the code, the machine, the dates ---
manifest=$(ls "$work"/runs/tiny/latest/*/seed-1/manifest.json | head -n 1)
if md=$(b report claims --no-charts 2>/dev/null) &&
   grep -q "^Every trial of the [0-9]* runs\? that decided the table's rows ran one code version, bnexp $("$bnexp" --version | sed 's/^bnexp //'), on one kind of machine (1 host): .* ([0-9]* cores\?; kernels .*), OpenBLAS .*, built with .*\. The trials ran from 20[0-9-]*T" <<<"$md" &&
   grep -q "^| tiny | runs/tiny/[0-9-]* | \([0-9]*\) of \1 | " <<<"$md"; then
    ok "claims.md's provenance: one code version and one machine named, a row per deciding run"
else fail "claims.md's provenance" "$(sed -n '/## Provenance/,$p' <<<"${md:-}")"; fi
printf '# A page\n\n<!-- claims-summary -->\ntyped by hand\n<!-- /claims-summary -->\n\nthe rest\n' >"$tmp/page.md"
if scripts/readme-claims.sh "$work/runs/claims.md" "$tmp/page.md" >/dev/null &&
   ! grep -q "typed by hand" "$tmp/page.md" && grep -q "^| \*\*all\*\* | [0-9]* | " "$tmp/page.md" &&
   grep -q "^Every trial of the " "$tmp/page.md" && [ "$(tail -n 1 "$tmp/page.md")" = "the rest" ] &&
   cp "$tmp/page.md" "$tmp/page1.md" && scripts/readme-claims.sh "$work/runs/claims.md" "$tmp/page.md" >/dev/null &&
   cmp -s "$tmp/page.md" "$tmp/page1.md"; then
    ok "scripts/readme-claims.sh: the page's summary block is claims.md's (by network, provenance), the rest kept; again: the same"
else fail "scripts/readme-claims.sh" "$(cat "$tmp/page.md")"; fi
printf '# A page\n' >"$tmp/plain.md"
expect_exit "scripts/readme-claims.sh: a page without the markers is refused" 1 "plain.md has no lines" \
    scripts/readme-claims.sh "$work/runs/claims.md" "$tmp/plain.md"
cp "$manifest" "$tmp/manifest.json"
sed -i 's/"bnexp_version":[^,]*/"bnexp_version":\t"0.0.1 (0ld0ld0)"/' "$manifest"
if md=$(b report claims --no-charts 2>/dev/null) && grep -q "^\*\*The 1 run that decided the table's rows ran 2 code versions\*\* .*: bnexp 0.0.1 (0ld0ld0); bnexp .*\. They ran on one kind of machine (1 host): " <<<"$md" &&
   grep -q "^| tiny | runs/tiny/[0-9-]* | \([0-9]*\) of \1 | 0.0.1 (0ld0ld0); " <<<"$md"; then
    ok "claims.md's provenance: a run of two code versions is marked, its versions named"
else fail "claims.md's provenance: two versions" "$(sed -n '/## Provenance/,$p' <<<"${md:-}")"; fi
cp "$tmp/manifest.json" "$manifest"

# --- a run with --set does not decide: the newest run of the file as committed does ---
if b run tiny --set steps=100 --jobs 2 >/dev/null 2>&1 && md=$(b report claims --no-charts 2>/dev/null) &&
    grep -q "^- run: runs/tiny/$run$" <<<"$md" &&
    grep -q "^- newer runs passed over: [0-9-]* (it was run with --set steps=100)$" <<<"$md" &&
    grep -q '"overrides":	"--set steps=100"' "$work/runs/tiny/latest/plan.json"; then
    ok "a run with --set is passed over and named; the run of the file as committed decides"
else
    fail "a run with --set passed over" "${md:-}"
fi
setrun=runs/tiny/$(readlink "$work/runs/tiny/latest")
if md=$(b report claims --no-charts --run "$setrun" 2>/dev/null) &&
    grep -q "^- run: $setrun$" <<<"$md" &&
    grep -q "(on --run: a run with --set steps=100) | " <<<"$md" &&
    grep -q "^- decided on this run because \`report claims --run\` named it; it was run with --set steps=100$" <<<"$md" &&
    b report claims --no-charts >/dev/null 2>&1; then
    ok "report claims --run DIR: that run decides its experiment's rows, labelled with its --set"
else
    fail "report claims --run DIR" "${md:-}"
fi
expect_fail "report claims --run: not a run directory" "plan.json" b report claims --run "$tmp/nowhere"

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
    grep -q "| 3 | added after the run | - | \[tiny\](#tiny-added) | mlp | - | \*\*not run\*\* | - |" <<<"$md" &&
    grep -q "not run with this rule (the deciding run's copy of the file lacks it)" <<<"$md"; then
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

# --- the suite: every experiment's trials in one queue, longest first ---
# experiment NAME CLAIM "KEY = VALUE"...: one variant (a: bn = true) with
# those keys, and a rule, claim CLAIM "NAME learns", that holds when it
# learns anything
experiment() {
    local name=$1 claim=$2
    shift 2
    { echo "[experiment]"; printf '%s\n' "$@" "[variant.a]" "bn = true" "[verdict]" "claim = $claim" \
        "statement = $name learns" "written = in the test" "measure = mean(final_test_accuracy)" \
        "holds = > 0"; } >"$home/experiments/$name.ini"
}
experiment wide 3 "hidden_layers = 1" "hidden_units = 128" "steps = 300" "eval_every = 100" \
    "probe_size = 100" "train_eval_size = 100" "seeds = 2"
before=$(cd "$work" && find . | sort)
out=$(b run claims --only tiny,wide --dry-run --jobs 2 2>&1)
order=$(grep -E '^ +[0-9]+ ' <<<"$out" | awk '{print $2 "/" $3 "/" $4}' | tr '\n' ' ')
if grep -q "^run claims: 2 experiment(s), 10 trial(s) in one queue, longest first; nothing is created" <<<"$out" &&
    [ "$order" = "wide/a/1 wide/a/2 tiny/bn-init_std-0.01/1 tiny/bn-init_std-1/1 tiny/bn-init_std-0.01/2 tiny/bn-init_std-1/2 tiny/no-bn-init_std-0.01/1 tiny/no-bn-init_std-1/1 tiny/no-bn-init_std-0.01/2 tiny/no-bn-init_std-1/2 " ] &&
    grep -q "^ *1 wide .* 19\.3 GFLOP$" <<<"$out" && grep -q "^total: 66\.[0-9] GFLOP estimated" <<<"$out" &&
    [ "$(cd "$work" && find . | sort)" = "$before" ]; then
    ok "run claims --dry-run: one queue, most FLOPs first (wide's 128 units), ties seed by seed; nothing created"
else
    fail "run claims --dry-run: the queue" "$order
$out"
fi
out=$(b run claims --only tiny,wide --jobs 2 2>&1); rc=$?
last_tiny_end=$(grep -n "^bnexp: tiny .* finished$" <<<"$out" | tail -1 | cut -d: -f1)
wide_verdict=$(grep -n '^wide: claim 3 "wide learns": holds; ' <<<"$out" | cut -d: -f1)
if [ $rc = 0 ] && grep -q "2 experiment(s), 10 of 10 trial(s) to run in one queue" <<<"$out" &&
    grep -q "^bnexp: 10/10 trials done, ETA 0s$" <<<"$out" &&
    [ -n "$wide_verdict" ] && [ -n "$last_tiny_end" ] && [ "$wide_verdict" -lt "$last_tiny_end" ] &&
    grep -q '^tiny: claim 2 ".*": holds' <<<"$out" &&
    grep -q '"experiment":	"wide"' "$work/runs/claims/latest/suite.json" &&
    grep -q '"run":	"tiny/[0-9-]*"' "$work/runs/claims/latest/suite.json" &&
    grep -q "^3,,wide,wide learns,,in the test,runs/wide/[0-9-]*,decided,holds," "$work/runs/claims.csv"; then
    ok "run claims: one pool for both experiments (10/10), wide's verdict before tiny's last trial ended, suite.json, claims.csv"
else
    fail "run claims --only tiny,wide (exit $rc)" "$out"
fi
cp "$work/runs/tiny/latest/summary.csv" "$tmp/tiny-summary.csv"
if out=$(b run claims --resume --jobs 2 2>&1) && grep -q "resuming runs/claims/latest: 2 experiment(s), 0 of 10 trial(s) to run" <<<"$out" &&
    ! grep -q "finished$" <<<"$out" && grep -q '^wide: claim 3' <<<"$out" &&
    cmp -s "$tmp/tiny-summary.csv" "$work/runs/tiny/latest/summary.csv"; then
    ok "run claims --resume of a finished suite: nothing rerun, its verdicts and table again"
else
    fail "run claims --resume of a finished suite" "$out"
fi

# --- the same queue through GNU parallel ---
if command -v parallel >/dev/null 2>&1; then
    local_tiny=$(cd "$work/runs/tiny" && pwd -P)/$(readlink "$work/runs/tiny/latest")
    rm -f "$work/runs/claims.csv"
    out=$(b run claims --only tiny,wide --launcher parallel --jobs 2 2>&1); rc=$?
    cmds="$work/runs/claims/latest/commands.txt"
    if [ $rc = 0 ] && [ "$(wc -l <"$cmds")" = 10 ] &&
        [ "$(head -2 "$cmds" | grep -c "trial '[^']*/runs/wide/[0-9-]*' [01]$")" = 2 ] &&
        [ -s "$work/runs/claims/latest/logs/parallel.log" ] &&
        grep -q '^tiny: claim 2 ".*": holds' <<<"$out" &&
        grep -q "^2,better,tiny,.*,decided,holds," "$work/runs/claims.csv" &&
        d=$(same_run_csvs "$local_tiny" "$work/runs/tiny/latest"); then
        ok "run claims --launcher parallel: one GNU parallel over the queue (wide first), the local pool's CSVs, the table"
    else
        fail "run claims --launcher parallel (exit $rc)" "$out ${d:-} $(cat "$cmds")"
    fi
else
    skip "run claims --launcher parallel: GNU parallel is not installed"
fi

# --- SIGTERM stops every running trial resumably; --resume gives the uninterrupted suite's files ---
experiment slow 1 "hidden_layers = 2" "hidden_units = 32" "steps = 3000" "eval_every = 500" \
    "probe_size = 100" "train_eval_size = 100" "checkpoint_every = 250" "seeds = 2"
# the uninterrupted suite, for reference
if b run claims --only slow,wide --jobs 2 >"$tmp/ref.out" 2>&1; then
    ref_slow=$(cd "$work/runs/slow" && pwd -P)/$(readlink "$work/runs/slow/latest")
    ref_wide=$(cd "$work/runs/wide" && pwd -P)/$(readlink "$work/runs/wide/latest")
    sed 's#runs/[a-z]*/[0-9-]*#RUN#' "$work/runs/claims.csv" >"$tmp/ref-claims.csv"
    ok "the reference suite, uninterrupted"
else
    fail "the reference suite" "$(cat "$tmp/ref.out")"
fi
ref_link=$(readlink "$work/runs/slow/latest")
(cd "$work" && exec env BNEXP_HOME="$home" "$bnexp" run claims --only slow,wide --jobs 2) >"$tmp/slow.out" 2>&1 &
bg=$!
for _ in $(seq 300); do
    link=$(readlink "$work/runs/slow/latest")
    m="$work/runs/slow/$link/a/seed-1/metrics.csv"
    [ "$link" != "$ref_link" ] && [ -f "$m" ] && [ "$(wc -l <"$m")" -ge 3 ] && break
    sleep 0.1
done
kill -TERM "$bg"
for _ in $(seq 300); do kill -0 "$bg" 2>/dev/null || break; sleep 0.1; done
left=$(pgrep -P "$bg")
if kill -0 "$bg" 2>/dev/null; then stop_bg; rc=killed; else wait "$bg"; rc=$?; bg=""; fi
suite=$(sed -n 's/.*`bnexp run claims --resume \(runs\/claims\/[0-9-]*\)` continues every unfinished trial of the suite$/\1/p' "$tmp/slow.out")
if [ "$rc" = 143 ] && [ -z "$left" ] && [ -n "$suite" ] && [ "$(readlink "$work/runs/claims/latest")" = "${suite#runs/claims/}" ] &&
    grep -q "^bnexp: slow a seed-[12] interrupted (checkpoint written)$" "$tmp/slow.out" &&
    grep -q '"status":	"interrupted"' "$work/runs/slow/latest/a/seed-1/manifest.json"; then
    ok "SIGTERM to run claims: every running trial checkpointed, exit 143, the command that continues the suite said"
else
    fail "SIGTERM to run claims (exit $rc, processes left: ${left:-none})" "$(cat "$tmp/slow.out")"
fi
out=$(b run claims --resume "$suite" --jobs 2 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "resuming $suite: 2 experiment(s), [1-4] of 4 trial(s) to run" <<<"$out" &&
    d1=$(same_run_csvs "$ref_slow" "$work/runs/slow/latest") && d2=$(same_run_csvs "$ref_wide" "$work/runs/wide/latest") &&
    cmp -s "$tmp/ref-claims.csv" <(sed 's#runs/[a-z]*/[0-9-]*#RUN#' "$work/runs/claims.csv"); then
    ok "run claims --resume SUITE: the summaries, trial CSVs and claims.csv of the uninterrupted suite"
else
    fail "run claims --resume after SIGTERM (exit $rc)" "$out ${d1:-} ${d2:-} $(diff "$tmp/ref-claims.csv" <(sed 's#runs/[a-z]*/[0-9-]*#RUN#' "$work/runs/claims.csv"))"
fi

# --- usage ---
# --- two looks: seeds = 2, max_seeds = 3 ---
# a rule decided at the first look keeps it; one inconclusive there (a
# paired difference of 0.0106 and 0.0109 against 0.01: at 97.5% with two
# seeds the interval is 0.0069 .. 0.0146) gets seed 3 and a second look
cat >"$home/experiments/staged.ini" <<'EOF'
[experiment]
hidden_layers = 1
hidden_units = 8
steps = 40
eval_every = 20
probe_size = 100
train_eval_size = 100
seeds = 2
max_seeds = 3
[variant.a]
bn = true
lr = 0.5
[variant.b]
bn = true
lr = 0.55
[verdict.steps]
claim = 1
statement = every trial runs its steps
written = 2026-12-06 in the test
measure = mean(steps)
holds = >= 40
[verdict.one]
claim = 2
statement = a tenth more rate gains more than a point
written = 2026-12-06 in the test
measure = mean(final_test_accuracy | lr=0.55) - mean(final_test_accuracy | lr=0.5)
holds = > 0.01
EOF
out=$(b run claims --only staged --first-look --jobs 2 2>&1); rc=$?
if [ $rc = 0 ] && [ "$(grep -c '"dir"' "$work/runs/staged/latest/plan.json")" = 4 ] &&
    grep -q '^staged: claim 1 ".*": holds; 40 \[40, 40\], 2 seeds, look 1 of 2$' <<<"$out" &&
    grep -q '^staged: claim 2 ".*": inconclusive (about [0-9]* seeds would decide it) (its second look has not run: `bnexp run staged --until-decided` or `bnexp run claims` adds the seeds); 0\.01[0-9]* \[0\.00[0-9]*, 0\.01[0-9]*\], 2 seeds, look 1 of 2$' <<<"$out"; then
    ok "run claims --first-look: two seeds, one rule decided at look 1, one inconclusive and its second look not run"
else
    fail "run claims --first-look (exit $rc)" "$out"
fi
out=$(b run staged --resume --until-decided --jobs 2 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "^bnexp: staged: verdict.one inconclusive at the first look: the second look adds 2 trial(s), every variant to seed 3$" <<<"$out" &&
    grep -q "4 of 6 trial(s) finished before, 2 to run" <<<"$out" &&
    [ -f "$work/runs/staged/latest/b/seed-3/manifest.json" ] && [ "$(grep -c "^[ab],3,done," "$work/runs/staged/latest/summary.csv")" = 2 ] &&
    grep -q '^claim 1 ".*": holds; 40 \[40, 40\], 2 seeds, look 1 of 2$' <<<"$out" &&
    grep -q '^claim 2 ".*": [a-z ]*.*; 0\.01[0-9]* \[[0-9.]*, [0-9.]*\], 3 seeds, look 2 of 2$' <<<"$out"; then
    ok "run --resume --until-decided: seed 3 added to both variants and run; rule 1 kept at look 1 on 2 seeds, rule 2 at look 2 on 3"
else
    fail "run --until-decided (exit $rc)" "$out"
fi
if out=$(b run staged --resume --until-decided 2>&1) && grep -q "no seeds to add" <<<"$out" &&
    [ "$(grep -c '"dir"' "$work/runs/staged/latest/plan.json")" = 6 ]; then
    ok "run --until-decided again: the second look is made once"
else
    fail "run --until-decided again" "$out"
fi
out=$(b run claims --only staged --jobs 2 2>&1); rc=$?
csv=$(grep '^[12],[a-z]*,staged,' "$work/runs/claims.csv")
if [ $rc = 0 ] && grep -q "^bnexp: run claims: staged: verdict.one inconclusive at the first look: the second look adds 2 trial(s)" <<<"$out" &&
    grep -q "the second look of 1 experiment(s)" <<<"$out" &&
    grep -q '^1,steps,staged,.*,holds,all trials,2,.*,0\.975,1,2,mlp$' <<<"$csv" &&
    grep -q '^2,one,staged,.*,all trials,3,.*,0\.975,2,2,mlp$' <<<"$csv" &&
    grep -q "two looks: seeds 1-2 first, then, only where a point is inconclusive, all seeds up to 3" "$work/runs/claims.md"; then
    ok "run claims: the first look, then seed 3 for the inconclusive experiment in a second queue; claims.csv's level, look and looks"
else
    fail "run claims with two looks (exit $rc)" "$out
$csv"
fi

expect_fail "run claims: --sbatch without a launcher" "go with --launcher slurm" \
    b run claims --sbatch "--time=1"
expect_fail "report claims: an unexpected argument" "unexpected argument 'tiny'" b report claims tiny
expect_fail "run claims --only: not an experiment with a rule" "plain is not an experiment with a verdict rule" \
    b run claims --only plain --dry-run
expect_exit "run claims --resume: planned already, no --only" 2 "only --jobs and the launcher's options" \
    b run claims --resume --only tiny
expect_exit "run claims --resume: not a suite directory" 1 "runs/tiny is not a suite directory (no suite.json)" \
    b run claims --resume runs/tiny

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
