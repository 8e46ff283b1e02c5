#!/usr/bin/env bash
# make bench, part 2: the headline figures as medians of alternating rounds.
# Each round runs, for 1 and then 2 threads, `build/bench --headline T` and
# then (where PyTorch is installed) `bench/torch_ref.py --headline T`, each
# a process of its own: bnexp, PyTorch, bnexp, PyTorch, ... so that a change
# in the machine's load reaches both sides alike.  One-thread runs are
# pinned to one core with taskset (CPU $BENCH_CPU, default 0); two-thread
# runs are not pinned.  The 1-minute load average is read before every
# process; its range is printed with the figures.  Prints, per figure, the
# median over the rounds with the smallest and largest, and the ratios as
# medians of the per-round ratios (each round's two figures are neighbours
# in time).  ROUNDS (default 5) rounds; the raw figures stay in
# build/bench-rounds/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} CPU=${BENCH_CPU:-0}
dir=build/bench-rounds
rm -rf "$dir" && mkdir -p "$dir"
py=
for p in python3 /usr/bin/python3; do
    if $p -c 'import torch, numpy' 2>/dev/null; then py=$p; break; fi
done
loads=()
load() { loads+=("$(cut -d' ' -f1 /proc/loadavg)"); }
echo
echo "Headline figures: medians of $ROUNDS alternating rounds (bnexp${py:+, PyTorch}; 1-thread runs pinned to CPU $CPU)"
for r in $(seq 1 "$ROUNDS"); do
    for t in 1 2; do
        pin=(); [ "$t" = 1 ] && pin=(taskset -c "$CPU")
        load; "${pin[@]}" ./build/bench --headline "$t" "$dir/bnexp-t$t-r$r.txt"
        if [ -n "$py" ]; then
            load; "${pin[@]}" "$py" bench/torch_ref.py --headline "$t" "$dir/torch-t$t-r$r.txt"
        fi
    done
    printf '  round %d of %d done\n' "$r" "$ROUNDS"
done
load

# figures FILE-PREFIX KEY: the KEY's values over the rounds, one a line
values() { cat "$dir"/"$1"-r*.txt 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'; }
# per-round ratio A/B of two keys from two file sets
ratios() { # prefixA keyA prefixB keyB
    for r in $(seq 1 "$ROUNDS"); do
        a=$(awk -v k="$2" '$1 == k { print $2 }' "$dir/$1-r$r.txt" 2>/dev/null)
        b=$(awk -v k="$4" '$1 == k { print $2 }' "$dir/$3-r$r.txt" 2>/dev/null)
        [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" 'BEGIN { print a / b }'
    done
}
# stats: "median min max" of the numbers on stdin ("- - -" for none)
stats() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "- - -"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4g %.4g %.4g\n", m, v[1], v[NR] }'; }

read -r lmed lmin lmax < <(printf '%s\n' "${loads[@]}" | stats)
echo "  1-minute load average before each process: median $lmed, from $lmin to $lmax (the machine carries about 1 of its own)"
# the machine's speed, round by round: the floor's 1024^3 sgemm (it drifts
# by 10-15% on this VM; the convolutions drift more)
for t in 1 2; do
    read -r sm slo shi < <(values "bnexp-t$t" "sgemm_1024_t${t}_gflops" | stats)
    echo "  $t thread(s): a 1024^3 sgemm, the floors' rate: median $sm GFLOP/s, from $slo to $shi over the rounds"
done
# OpenBLAS's kernels and bnexp's: the floor is OpenBLAS's rate, and bnexp's
# direct convolutions and noisy BN run in AVX-512 where the CPU has it
core=$(values "bnexp-t1" "openblas_core" | head -1)
wide=$(values "bnexp-t1" "avx512_kernels" | head -1)
echo "  OpenBLAS kernels: ${core:-?}; bnexp's AVX-512 kernels (direct convolutions, noisy BN): $([ "$wide" = 1 ] && echo on || echo off)"
printf '  %-14s %-7s %22s %22s %16s\n' norm threads "bnexp img/s (min-max)" "PyTorch img/s" "bnexp/PyTorch"
# row LABEL T BNEXP_KEY TORCH_KEY: one line of the table
row() {
    read -r m lo hi < <(values "bnexp-t$2" "$3" | stats)
    read -r tm _ _ < <(values "torch-t$2" "$4" | stats)
    read -r rm _ _ < <(ratios "bnexp-t$2" "$3" "torch-t$2" "$4" | stats)
    printf '  %-14s %-7s %22s %22s %16s\n' "$1" "$2" "$m ($lo-$hi)" "$tm" "$rm"
}
for kind in batch none group layer instance batch_noisy batch_renorm online; do
    for t in 1 2; do
        row "$kind" "$t" "cnn_${kind}_t${t}_images_per_s" "torch_${kind}_t${t}_images_per_s"
    done
done
for t in 1 2; do
    row evaluation "$t" "cnn_eval_t${t}_images_per_s" "torch_eval_t${t}_images_per_s"
done
for t in 1 2; do
    row "ResNet-20 BN" "$t" "resnet20_t${t}_images_per_s" "torch_resnet20_t${t}_images_per_s"
done
echo "  (PyTorch has no batch_noisy, batch_renorm or online; 'layer' on maps is GroupNorm(1, C) there)"
for t in 1 2; do
    # step time ratio = BN's images/s over noisy BN's, round by round
    read -r nm nlo nhi < <(ratios "bnexp-t$t" "cnn_batch_t${t}_images_per_s" "bnexp-t$t" "cnn_batch_noisy_t${t}_images_per_s" | stats)
    # step time with batch norm and ReLU fused over the same with them apart
    # (below 1: the fusion saves time)
    read -r um ulo uhi < <(ratios "bnexp-t$t" "cnn_batch_unfused_t${t}_images_per_s" "bnexp-t$t" "cnn_batch_t${t}_images_per_s" | stats)
    echo "  $t thread(s): BN step time, batch norm and ReLU fused / as two layers $um ($ulo-$uhi; below 1: fusion saves)"
    # BN step (ms) over its floor (the step's GEMM FLOPs at a 1024^3 sgemm's speed)
    read -r fm flo fhi < <(values "bnexp-t$t" "cnn_batch_over_floor_t${t}" | stats)
    echo "  $t thread(s): noisy BN step / BN step $nm ($nlo-$nhi; target at most 1.3); BN step / its FLOP floor $fm ($flo-$fhi; target at most 1.5)"
    read -r rm rlo rhi < <(values "bnexp-t$t" "resnet20_over_floor_t${t}" | stats)
    echo "  $t thread(s): ResNet-20 step (batch 128 of 3x32x32, BN) / its FLOP floor $rm ($rlo-$rhi; target at most 1.5)"
done
read -r m lo hi < <(values bnexp-t1 fig1_step_bn_ms | stats)
echo "  Fig. 1 BN step (1 thread): $m ms ($lo-$hi)"
for kind in none layer batch; do
    read -r m lo hi < <(values bnexp-t1 "lstm_${kind}_t1_ms" | stats)
    read -r g glo ghi < <(values bnexp-t1 "lstm_${kind}_over_gemms" | stats)
    line="  LSTM $kind (row-by-row MNIST, 128 units, batch 64, 1 thread): step $m ms ($lo-$hi); step / its bare GEMMs $g ($glo-$ghi; target at most 1.3 for none and layer)"
    if [ "$kind" = none ] && [ -n "$py" ]; then
        read -r tm _ _ < <(values torch-t1 torch_lstm_t1_ms | stats)
        read -r rm rlo rhi < <(ratios torch-t1 torch_lstm_t1_ms bnexp-t1 lstm_none_t1_ms | stats)
        line="$line; PyTorch nn.LSTM $tm ms, PyTorch / bnexp $rm ($rlo-$rhi)"
    fi
    echo "$line"
done
