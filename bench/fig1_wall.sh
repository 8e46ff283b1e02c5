#!/usr/bin/env bash
# make bench, part 2: wall time of the full `bnexp run fig1` (both variants,
# 50,000 steps each, evaluations and probes; one process per trial).  The run
# goes to build/bench-fig1 (--out, replaced each time with --force), not to
# runs/fig1/, so that timing it leaves no dated run behind.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench-fig1
start=$(date +%s.%N)
./bnexp run fig1 --force --out "$out" >/dev/null 2>"$out.log" || { cat "$out.log"; exit 1; }
end=$(date +%s.%N)
printf '\nbnexp run fig1, full length, %s trial processes on %s cores\n' "$(($(wc -l <"$out/summary.csv") - 1))" "$(nproc)"
printf '  wall time %.1f s (target: under 60 s)\n' "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
cut -d, -f1,3,6,9,17 "$out/summary.csv" | column -ts, | sed 's/^/  /'
