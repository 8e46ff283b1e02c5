#!/usr/bin/env bash
# make bench, part 3: the marginal cost of a training step of lr-sweep's
# bn-baseline (the reference CNN of bench.c, batch 64, Fashion-MNIST) end to
# end, through `bnexp run` and through a PyTorch script (bench/torch_train.py),
# both on one thread: (T(LONG steps) - T(SHORT steps)) / (LONG - SHORT), so
# that start-up, data loading and the records (one at step 0 and one at the
# end, eval_every = steps) cancel out.  Each length is timed twice and the
# faster kept.  Both are pinned to one core (taskset, CPU $BENCH_CPU,
# default 0, as compare.sh pins its one-thread runs): Debian's PyTorch asked
# for one thread still used about 1.75 cores (its BLAS's and other threads:
# 24 CPU s in 13.8 s), which made it look 2.7x faster than pinned.  Without
# PyTorch (make bench-deps) only bnexp's is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
SHORT=${SHORT:-200} LONG=${LONG:-800} CPU=${BENCH_CPU:-0}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

if [ ! -f datasets/fashion-mnist/train-images-idx3-ubyte ]; then
    echo; echo "marginal step: Fashion-MNIST is not installed (./bnexp data fetch fashion-mnist): skipped"
    exit 0
fi

now() { date +%s.%N; }
# best_s CMD...: the faster of two runs of CMD, in seconds
best_s() {
    local best=
    for _ in 1 2; do
        local a b
        a=$(now); "$@" >/dev/null 2>build/bench-marginal.log || { cat build/bench-marginal.log; exit 1; }; b=$(now)
        best=$(awk -v a="$a" -v b="$b" -v m="$best" 'BEGIN { t = b - a; print (m == "" || t < m) ? t : m }')
    done
    echo "$best"
}
bnexp_run() {
    taskset -c "$CPU" ./bnexp run lr-sweep --variants bn-baseline --seed 1 --set steps="$1" --set eval_every="$1" \
        --set threads=1 --force --out build/bench-marginal
}
py=$(for p in python3 /usr/bin/python3; do $p -c 'import torch' 2>/dev/null && echo $p && break; done || true)

b_short=$(best_s bnexp_run "$SHORT"); b_long=$(best_s bnexp_run "$LONG")
b_ms=$(awk -v s="$b_short" -v l="$b_long" -v n=$((LONG - SHORT)) 'BEGIN { printf "%.2f", (l - s) * 1e3 / n }')
printf '\nMarginal training step, end to end, 1 thread pinned to CPU %s: (T(%d steps) - T(%d steps)) / %d, lr-sweep bn-baseline\n' \
    "$CPU" "$LONG" "$SHORT" $((LONG - SHORT))
printf '  bnexp run        %6.1f s  %6.1f s  %8s ms/step\n' "$b_short" "$b_long" "$b_ms"
if [ -z "$py" ]; then
    echo "  PyTorch: not installed (make bench-deps): no comparison"
    exit 0
fi
t_short=$(best_s taskset -c "$CPU" "$py" bench/torch_train.py "$SHORT" 1)
t_long=$(best_s taskset -c "$CPU" "$py" bench/torch_train.py "$LONG" 1)
t_ms=$(awk -v s="$t_short" -v l="$t_long" -v n=$((LONG - SHORT)) 'BEGIN { printf "%.2f", (l - s) * 1e3 / n }')
printf '  PyTorch script   %6.1f s  %6.1f s  %8s ms/step\n' "$t_short" "$t_long" "$t_ms"
printf '  bnexp is %sx faster per step (target: at least 2x)\n' \
    "$(awk -v b="$b_ms" -v t="$t_ms" 'BEGIN { printf "%.2f", t / b }')"
