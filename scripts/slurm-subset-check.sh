#!/usr/bin/env bash
# Issue 27's Slurm check: a subset of the claims suite run as Slurm job
# arrays on the tests' single-node cluster (tests/slurm.sh's start_slurm:
# munged, slurmctld and slurmd started here, as root), in a fresh clone of
# COMMIT, then compared with a local run of the same commit:
#
#   scripts/slurm-subset-check.sh COMMIT E1,E2,... REF_RUNS
#
# REF_RUNS is the runs/ directory of the local `bnexp run claims` (say
# /tmp/run1/runs).  For every experiment E of the list, every CSV of the
# Slurm run (summary.csv and each trial's) must equal REF_RUNS/E's newest
# run's byte for byte, wall_time_s aside, and claims.csv's rows of those
# experiments must be the same, the run directories' names (their start
# times) aside: scripts/compare-runs.sh, this checkout's.  The clone
# and the cluster's state go to a temporary directory, removed at the end;
# the daemons are stopped by their PIDs, also on failure or Ctrl-C.
# Prints a line per experiment; exits 0 when everything is the same.
set -u
commit=${1:?usage: slurm-subset-check.sh COMMIT E1,E2,... REF_RUNS}
only=${2:?usage: slurm-subset-check.sh COMMIT E1,E2,... REF_RUNS}
ref=$(readlink -f "${3:?usage: slurm-subset-check.sh COMMIT E1,E2,... REF_RUNS}")
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/bnexp-slurm-subset.XXXXXX)
. "$repo/tests/slurm.sh"   # start_slurm, stop_daemons: this checkout's, whatever COMMIT has
cleanup() {
    stop_daemons
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
git clone -q "$repo" "$tmp/clone" && cd "$tmp/clone" && git checkout -q "$commit" || exit 1
make bnexp >"$tmp/build.log" 2>&1 || { echo "slurm-subset-check: the build failed:"; tail "$tmp/build.log"; exit 1; }
./bnexp data fetch mnist >/dev/null && ./bnexp data fetch fashion-mnist >/dev/null || exit 1
start_slurm || exit 1
t0=$SECONDS
./bnexp run claims --only "$only" --launcher slurm --max-parallel 2 --wait || exit 1
echo "slurm-subset-check: $only on Slurm in $((SECONDS - t0)) s"
"$repo/scripts/compare-runs.sh" "$ref" runs "$only"
