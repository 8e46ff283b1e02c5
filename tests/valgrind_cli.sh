#!/usr/bin/env bash
# CLI checks under valgrind memcheck, for `make check-valgrind`: every
# subcommand once, through the code paths of tests/cli_test.sh, sized to
# take about two minutes (under valgrind, tests/cli_test.sh itself got
# through 27 of its 68 checks in 25 minutes).  One `bnexp run` trains a
# small CNN and an MLP with and without BN on real MNIST for a few steps
# (two trial processes at a time; valgrind follows the forks), then plot,
# report, list, help and the refusals.
#
# $VALGRIND is the valgrind command line (the Makefile's, which logs to
# build-valgrind/logs/); the Makefile checks those logs afterwards, so a
# memory error in a command that is expected to fail still fails the check.
# Ends with the line "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
VALGRIND=${VALGRIND:-valgrind --error-exitcode=99}
bnexp="$PWD/bnexp"
tmp=$(mktemp -d /tmp/bnexp-valgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

vg()   { $VALGRIND "$bnexp" "$@"; }

# expect_ok NAME ARGS...: bnexp ARGS exits 0 under valgrind.
expect_ok() {
    local name=$1 out; shift
    if out=$(vg "$@" 2>&1); then ok "$name"; else fail "$name (exit $?)" "$out"; fi
}
# expect_fail NAME PATTERN ARGS...: bnexp ARGS exits non-zero (not
# valgrind's 99) and says PATTERN.
expect_fail() {
    local name=$1 pattern=$2 out rc; shift 2
    out=$(vg "$@" 2>&1); rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 99 ] && grep -q -- "$pattern" <<<"$out"; then ok "$name"
    else fail "$name (exit $rc, wanted a message matching '$pattern')" "$out"; fi
}

expect_ok "--version" --version
expect_ok "help run" help run
expect_ok "list (verifies every dataset present)" list

# A home of its own: one experiment, a small CNN with BN and an MLP with
# and without BN.  Under valgrind an evaluation on the 10000 test images
# takes seconds (the CNN's tens of seconds), hence so few steps; the CNN
# comes first, so that it runs beside the two MLP trials.
home="$tmp/home"
mkdir -p "$home/experiments"
ln -s "$PWD/datasets" "$home/datasets"
ln -s "$PWD/plots" "$home/plots"
cat >"$home/experiments/vg.ini" <<'EOF'
[experiment]
description = valgrind: a few steps of each network kind
hidden_layers = 2
hidden_units = 16
batch_size = 16
steps = 2
eval_every = 1
probe_size = 100
population_batches = 2
bn_inference = population
[variant.cnn-bn]
model = cnn
conv_channels = 2
bn = true
steps = 1
[variant.mlp]
bn = false
[variant.mlp-bn]
bn = true
[verdict]
claim = 1
statement = BN helps
written = in the test
measure = mean(final_test_accuracy | model=mlp, bn=true)
  - mean(final_test_accuracy | model=mlp, bn=false) + 0 * mean(final(test_accuracy))
holds = > -1
EOF
run="$tmp/run"
export BNEXP_HOME="$home"
expect_ok "run: CNN+BN, MLP and MLP+BN on MNIST, --jobs 2" run vg --jobs 2 --out "$run"
if [ "$(grep -c ',done,' "$run/summary.csv" 2>/dev/null)" = 3 ]; then ok "three trials done"
else fail "three trials done" "$(cat "$run/summary.csv" 2>&1)"; fi
expect_ok "plot accuracy" plot accuracy --run "$run"
expect_ok "plot activations" plot activations --run "$run" --format svg
expect_ok "report" report --run "$run" --baseline mlp
mkdir -p "$tmp/runs/vg" && ln -s "$run" "$tmp/runs/vg/latest"
expect_ok "report claims (the rule decided on the run)" report claims --runs "$tmp/runs" --no-charts
# one seed a variant: decided, but no interval can be formed (inconclusive)
if grep -q "BN helps .* 1 seed | \*\*inconclusive\*\*" "$tmp/runs/claims.md" 2>/dev/null; then
    ok "claims.md: the rule decided on the run (--out, found by its latest link): inconclusive, one seed"
else fail "claims.md: the rule decided on the run" "$(cat "$tmp/runs/claims.md" 2>&1)"; fi

expect_fail "unknown key" "unknown key 'leraning_rate'" run vg --set leraning_rate=1 --out "$tmp/x"
expect_fail "unknown variant" "no variant 'nope'" run vg --variants nope --out "$tmp/x"
expect_fail "no overwrite" "exists from an earlier run" run vg --out "$run"
expect_fail "unknown experiment" "no experiment 'nosuch'" run nosuch
expect_fail "report of a missing run" "$tmp/none" report --run "$tmp/none"
mkdir -p "$tmp/empty/experiments" "$tmp/empty/datasets"
cp "$home/experiments/vg.ini" "$tmp/empty/experiments/"
cp datasets/mnist.sha256 "$tmp/empty/datasets/"
BNEXP_HOME="$tmp/empty" expect_fail "missing dataset" "bnexp data fetch mnist" run vg --out "$tmp/y"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
