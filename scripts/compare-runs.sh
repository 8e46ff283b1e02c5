#!/usr/bin/env bash
# Are two runs of the claims suite the same?  Issue 27's check that a
# second run (or a Slurm run) of one commit gives the first one's results:
#
#   scripts/compare-runs.sh REF_RUNS RUNS [E1,E2,...]
#
# REF_RUNS and RUNS are two runs/ directories (a `bnexp run claims` each,
# or one unpacked from docs/results/claims-run/).  For every experiment
# E of the list (default: every one RUNS has, runs/E/latest), every CSV of
# RUNS/E's newest run (summary.csv and each trial's) must equal REF_RUNS/E's
# byte for byte, wall_time_s aside (tests/checks.sh's same_run_csvs), and
# claims.csv's rows of those experiments must be the same, the run
# directories' names (their start times) aside.  Prints a line per
# experiment and one for claims.csv; exits 0 when everything is the same,
# 1 when something differs, 2 on bad arguments.
set -u
usage="usage: compare-runs.sh REF_RUNS RUNS [E1,E2,...]"
ref=$(readlink -f "${1:?$usage}") runs=$(readlink -f "${2:?$usage}") only=${3:-}
for d in "$ref" "$runs"; do
    [ -f "$d/claims.csv" ] || { echo "compare-runs: $d has no claims.csv (not a finished claims run)" >&2; exit 2; }
done
if [ -z "$only" ]; then
    only=$(cd "$runs" && for e in */latest; do [ "${e%/latest}" = claims ] || printf '%s,' "${e%/latest}"; done)
    only=${only%,}
fi
. "$(cd "$(dirname "$0")/.." && pwd)/tests/checks.sh"   # same_run_csvs
bad=0 files=0
for e in ${only//,/ }; do
    if [ ! -L "$ref/$e/latest" ] || [ ! -L "$runs/$e/latest" ]; then
        echo "DIFF  $e: not in both (REF_RUNS/$e/latest, RUNS/$e/latest)"; bad=1; continue
    fi
    a=$ref/$e/$(readlink "$ref/$e/latest") b=$runs/$e/$(readlink "$runs/$e/latest")
    n=$(ls "$a"/*/seed-*/*.csv | wc -l)
    if d=$(same_run_csvs "$a" "$b"); then
        echo "same  $e: summary.csv and $n trial CSVs"; files=$((files + n + 1))
    else
        echo "DIFF  $e: $d"; bad=1
    fi
done
rows() { # claims.csv's rows of the experiments in $only, the run's name masked
    python3 - "$1" "$only" <<'PY'
import csv, re, sys
rows = csv.reader(open(sys.argv[1], newline=""))
head = next(rows)
keep = set(sys.argv[2].split(","))
e, r = head.index("experiment"), head.index("run")
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(head)
for row in rows:
    if row[e] in keep:
        row[r] = re.sub(r"/[0-9]{8}-[0-9]{6}$", "/RUN", row[r])
        out.writerow(row)
PY
}
want=$(rows "$ref/claims.csv") got=$(rows "$runs/claims.csv")
if [ "$want" = "$got" ]; then
    echo "same  claims.csv: $(($(wc -l <<<"$got") - 1)) rows"
else
    echo "DIFF  claims.csv:"; diff <(echo "$want") <(echo "$got") | head; bad=1
fi
[ $bad = 0 ] && echo "compare-runs: the same ($files CSV files of $(wc -w <<<"${only//,/ }") experiment(s), and claims.csv)"
exit $bad
