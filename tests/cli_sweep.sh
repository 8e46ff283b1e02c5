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
assert c["init_std"] == "1" and c["bn"] == "false" and c["seed"] == "2" and c["steps"] == "60", c
assert t[("bn-init-xavier_normal", 1)]["dir"] == "bn-init-xavier_normal/seed-1"
assert len(c) > 40   # every key, not only those the file sets
assert p["datasets"][0]["name"] == "mnist" and len(p["datasets"][0]["files"]) == 4
EOF
then ok "plan.json: every trial's full config, the swept keys, the data sums; the .ini copied"
else fail "plan.json and experiment.ini"; fi

# --- --grid replaces one key's values; precedence: grid point < --set ---
if out=$(cd "$work" && "$bnexp" run "$tmp/initsweep.ini" --grid init_std=0.5 --variants bn \
         --seed 3 --set init=kaiming_normal --dry-run 2>&1) &&
   grep -q "2 trial(s), 2 variant(s)" <<<"$out" && grep -q "^bn-init-gaussian-init_std-0.5 .* 3 .*kaiming_normal" <<<"$out"; then
    ok "--grid replaces the file's values of one key; --set beats the grid point; --variants takes a file variant's points"
else fail "--grid, --set and --variants on a grid" "$out"; fi
if out=$($BNEXP run fig1 --grid lr=0.1,1 --grid bn=true --dry-run 2>&1) &&
   grep -q "4 trial(s)" <<<"$out" && grep -q "^baseline-lr-1-bn-true " <<<"$out"; then
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
expect_fail "a missing PATH.ini" "cannot read $tmp/none.ini" $BNEXP run "$tmp/none.ini" --dry-run
cp "$tmp/initsweep.ini" "$tmp/-x.ini"
expect_fail "a PATH.ini whose name is not path-safe" "the experiment's name.*must be" $BNEXP run "$tmp/-x.ini" --dry-run
expect_fail "--dry-run with --resume" "not with --resume" $BNEXP run fig1 --dry-run --resume

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
