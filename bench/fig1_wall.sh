#!/usr/bin/env bash
# make bench, part 2: wall time and peak memory of the full `bnexp run fig1`
# (both variants, 50,000 steps each, evaluations and probes; one process per
# trial), then the peak memory of a short real `bnexp run` of the reference
# CNN that build/bench times (bench/bench.c: lr-sweep's network).  The runs go to
# build/bench-fig1 and build/bench-cnn (--out, replaced each time with
# --force), not to runs/, so that measuring leaves no dated run behind.
#
# Peak memory is the largest resident set (max RSS) of bnexp and of every
# trial process it forks and waits for: the kernel folds a waited-for
# child's peak into its parent's (getrusage RUSAGE_CHILDREN), so the figure
# GNU time reports for bnexp is the largest of them.  A trial process
# counts the dataset pages it touches, shared with bnexp (copy-on-write).
set -euo pipefail
cd "$(dirname "$0")/.."

# peak_kib FILE CMD...: run CMD; write its peak RSS in KiB (largest of it
# and its waited-for descendants) to FILE.  GNU time where installed,
# otherwise Python's resource module (the same getrusage figure).
peak_kib() {
    local file=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$file" "$@"
    else
        python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$file" "$@"
    fi
}

# mb KIB: KiB as megabytes (10^6 bytes), one decimal.
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }

out=build/bench-fig1
start=$(date +%s.%N)
peak_kib "$out.rss" ./bnexp run fig1 --seed 1 --force --out "$out" >/dev/null 2>"$out.log" || { cat "$out.log"; exit 1; }
end=$(date +%s.%N)
fig1_kib=$(tail -n 1 "$out.rss")
printf '\nbnexp run fig1 --seed 1, full length, %s trial processes on %s cores\n' "$(($(wc -l <"$out/summary.csv") - 1))" "$(nproc)"
printf '  wall time %.1f s (target: under 60 s)\n' "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
printf '  peak memory (max RSS of bnexp and its trial processes) %s MB (target: under 120 MB: %s)\n' \
    "$(mb "$fig1_kib")" "$(awk -v k="$fig1_kib" 'BEGIN { print (k * 1024 < 120e6) ? "met" : "NOT met" }')"
cut -d, -f1,3,6,9,17 "$out/summary.csv" | column -ts, | sed 's/^/  /'

# The reference CNN of bench.c in a real run: lr-sweep's bn-baseline (its
# network, batch 64, Fashion-MNIST, standardised inputs), one trial of 300
# steps with records every 150 (peak memory is reached at the first record).
cnn=build/bench-cnn
peak_kib "$cnn.rss" ./bnexp run lr-sweep --variants bn-baseline --seed 1 --set steps=300 \
    --set eval_every=150 --force --out "$cnn" >/dev/null 2>"$cnn.log" || { cat "$cnn.log"; exit 1; }
cnn_kib=$(tail -n 1 "$cnn.rss")
printf '\nbnexp run lr-sweep --variants bn-baseline (the reference CNN), 300 steps, 1 trial\n'
printf '  peak memory (max RSS of bnexp and its trial process) %s MB (target: under 200 MB: %s)\n' \
    "$(mb "$cnn_kib")" "$(awk -v k="$cnn_kib" 'BEGIN { print (k * 1024 < 200e6) ? "met" : "NOT met" }')"
