#!/usr/bin/env bash
# The evaluations of experiments/inference.ini, on a finished run of it, and
# the table and verdicts the file's claims C1-C4 call for:
#   ./bnexp run inference && scripts/inference.sh [RUN] [BNEXP]
# RUN defaults to runs/inference/latest.  Every evaluation is a `bnexp eval`
# that appends a row to RUN/eval.csv (an earlier eval.csv is moved aside to
# eval.csv.old first, so the table is of this pass only).  The table and
# verdicts go to stdout and RUN/inference.md.
set -euo pipefail
run=${1:-runs/inference/latest}
bnexp=${2:-./bnexp}
[ -f "$run/plan.json" ] || { echo "inference.sh: $run has no plan.json (run: ./bnexp run inference)" >&2; exit 1; }
[ -f "$run/eval.csv" ] && mv "$run/eval.csv" "$run/eval.csv.old"
seeds=$(python3 -c 'import json,sys; print(" ".join(sorted({str(t["seed"]) for t in json.load(open(sys.argv[1]))["trials"]})))' "$run/plan.json")
for variant in mlp cnn; do
    for seed in $seeds; do
        ev() { "$bnexp" eval --run "$run" --variant "$variant" --seed "$seed" "$@" >/dev/null; }
        echo "inference.sh: $variant seed $seed" >&2
        for b in 1 2 8 100 1000; do ev --stats batch --batch-size "$b"; done
        ev --stats ema
        ev --stats population
        ev --stats batch --batch-size 8 --update-running
        for t in shift=0.3 scale=0.5 invert; do
            ev --stats population --transform "$t"
            ev --stats reestimate --transform "$t"
        done
    done
done
python3 - "$run" <<'EOF' | tee "$run/inference.md"
import csv, statistics as st, sys
run = sys.argv[1]
rows = list(csv.DictReader(open(run + "/eval.csv")))
def acc(variant, **kw):
    return [float(r["test_accuracy"]) for r in rows if r["variant"] == variant
            and all(r[k] == v for k, v in kw.items())]
def ms(v):
    return "%.4f ± %.4f" % (st.mean(v), st.stdev(v) if len(v) > 1 else 0.0)
print("# Inference mode (%s)\n" % run)
print("Test accuracy, mean ± sd over seeds %s.\n" % ", ".join(sorted({r["seed"] for r in rows})))
print("| statistics | test mini-batch | mlp (MNIST) | cnn (Fashion-MNIST) |")
print("|---|---|---|---|")
lines = [("batch (training mode)", dict(stats="batch", batch_size=str(b), update_running="false"), str(b))
         for b in (1, 2, 8, 100, 1000)]
lines += [("moving averages", dict(stats="ema", transform="none"), "any"),
          ("Algorithm 2", dict(stats="population", transform="none"), "any")]
for name, kw, b in lines:
    print("| %s | %s | %s | %s |" % (name, b, ms(acc("mlp", **kw)), ms(acc("cnn", **kw))))
print("\nClasses predicted at test mini-batch 1 (batch statistics), per seed: mlp %s, cnn %s.\n" % (
    [r["classes_predicted"] for r in rows if r["variant"] == "mlp" and r["stats"] == "batch" and r["batch_size"] == "1"],
    [r["classes_predicted"] for r in rows if r["variant"] == "cnn" and r["stats"] == "batch" and r["batch_size"] == "1"]))
print("The pitfall: one pass over the test set in training mode at mini-batch 8 that updates the moving averages.\n")
print("| network | training-mode accuracy | moving averages before | after |")
print("|---|---|---|---|")
for v in ("mlp", "cnn"):
    up = [r for r in rows if r["variant"] == v and r["update_running"] == "true"]
    print("| %s | %s | %s | %s |" % (v, ms([float(r["test_accuracy"]) for r in up]),
          ms([float(r["ema_accuracy_before"]) for r in up]), ms([float(r["ema_accuracy_after"]) for r in up])))
print("\nA change of input distribution (raw pixels; Algorithm 2's statistics from the original vs the transformed training images):\n")
print("| transform | mlp: training statistics | mlp: re-estimated (AdaBN) | cnn: training statistics | cnn: re-estimated (AdaBN) |")
print("|---|---|---|---|---|")
names = {"shift": "brightness +0.3", "scale": "contrast x0.5", "invert": "inversion"}
for t in ("shift", "scale", "invert"):
    cells = []
    for v in ("mlp", "cnn"):
        cells += [ms(acc(v, stats="population", transform=t)), ms(acc(v, stats="reestimate", transform=t))]
    print("| %s | %s |" % (names[t], " | ".join(cells)))

print("\n## Verdicts (rules written in experiments/inference.ini before the run)\n")
def verdict(ok): return "**holds**" if ok else "**fails**"
c1 = [r["classes_predicted"] for r in rows if r["variant"] == "mlp" and r["stats"] == "batch" and r["batch_size"] == "1"]
print("- C1, a fully connected BN network in training mode at mini-batch 1 predicts one class: %s (classes predicted per seed: %s)." % (verdict(all(c == "1" for c in c1)), ", ".join(c1)))
c2 = []
for v in ("mlp", "cnn"):
    means = [st.mean(acc(v, stats="batch", batch_size=str(b), update_running="false")) for b in (2, 8, 100, 1000)]
    ema = st.mean(acc(v, stats="ema", transform="none"))
    ok = all(a <= b for a, b in zip(means, means[1:])) and abs(means[-1] - ema) <= 0.01
    c2.append(ok)
    print("- C2 (%s), batch statistics approach inference accuracy as the mini-batch grows: %s (means at 2, 8, 100, 1000: %s; moving averages %.4f)." % (v, verdict(ok), ", ".join("%.4f" % m for m in means), ema))
for v in ("mlp", "cnn"):
    d = st.mean(acc(v, stats="ema", transform="none")) - st.mean(acc(v, stats="population", transform="none"))
    print("- C3 (%s), moving averages and Algorithm 2 agree within 0.005: %s (difference %+.4f)." % (v, verdict(abs(d) <= 0.005), d))
for v in ("mlp", "cnn"):
    for t in ("shift", "scale"):
        diffs = [b - a for a, b in zip(acc(v, stats="population", transform=t), acc(v, stats="reestimate", transform=t))]
        sd = st.stdev(diffs) if len(diffs) > 1 else 0.0
        print("- C4 (%s, %s), re-estimated statistics recover accuracy: %s (gain %+.4f ± %.4f)." % (v, names[t], verdict(st.mean(diffs) > 2 * sd and st.mean(diffs) > 0), st.mean(diffs), sd))
EOF
