"""make bench, PyTorch part: the reference CNN of bench/bench.c (lr-sweep.ini's
network: conv 16, 16, 32, 32 3x3 with padding 1, 2x2 max pooling after every
second, fc 128 with dropout 0.3, fc 10; batch 64 of 1x28x28, SGD with
momentum 0.9 and weight decay 5e-4) in PyTorch on the same machine, with
each normalization PyTorch has an equivalent of, on 1 and 2 threads: the
training step's images/s, and evaluation (model.eval(), no_grad) next to it.

    python3 bench/torch_ref.py [FIGURES]
    python3 bench/torch_ref.py --headline THREADS OUT

FIGURES is the file `build/bench FIGURES` wrote (KEY VALUE lines): with it,
the bnexp / PyTorch ratio of each figure is printed too (above 1: bnexp is
faster).  Timings: the best of several rounds; compare within one run.
--headline measures on THREADS threads only and writes KEY VALUE lines to
OUT (torch_KIND_tT_images_per_s, torch_eval_tT_images_per_s), for
bench/compare.sh, which alternates it with `build/bench --headline`."""
import sys
import time

import torch
import torch.nn as nn

BATCH, SIDE, CLASSES = 64, 28, 10


def norm2d(kind, c):
    if kind == "batch":
        return nn.BatchNorm2d(c)
    if kind == "group":
        return nn.GroupNorm(8, c)
    if kind == "layer":
        return nn.GroupNorm(1, c)  # one group: statistics over (C, H, W), per-channel affine
    if kind == "instance":
        return nn.InstanceNorm2d(c, affine=True)
    return None


def norm1d(kind, c):
    if kind == "batch":
        return nn.BatchNorm1d(c)
    if kind in ("group", "layer", "instance"):  # bench.c: instance's fc layers use layer
        return nn.LayerNorm(c) if kind != "group" else nn.GroupNorm(8, c)
    return None


def network(kind):
    layers, c = [], 1
    for i, k in enumerate((16, 16, 32, 32)):
        n = norm2d(kind, k)
        layers.append(nn.Conv2d(c, k, 3, padding=1, bias=n is None or kind != "batch"))
        if n is not None:
            layers.append(n)
        layers.append(nn.ReLU())
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2))
        c = k
    layers += [nn.Flatten(), nn.Linear(32 * 7 * 7, 128, bias=kind != "batch")]
    n = norm1d(kind, 128)
    if n is not None:
        layers.append(n)
    layers += [nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, CLASSES)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    return net


def best_ms(fn, iters=10, reps=5):
    fn()
    best = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        best = min(best, (time.perf_counter() - t0) * 1e3 / iters)
    return best


def measure(kind, threads):
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    net = network(kind)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(BATCH, 1, SIDE, SIDE)
    y = torch.arange(BATCH) % CLASSES
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()

    net.train()
    step_ms = best_ms(step)
    net.eval()
    with torch.no_grad():
        eval_ms = best_ms(lambda: net(x))
    return BATCH * 1e3 / step_ms, BATCH * 1e3 / eval_ms


KINDS = ("batch", "none", "group", "layer", "instance")


def headline(threads, out):
    with open(out, "w") as f:
        for kind in KINDS:
            train, ev = measure(kind, threads)
            f.write("torch_%s_t%d_images_per_s %.6g\n" % (kind, threads, train))
            if kind == "batch":
                f.write("torch_eval_t%d_images_per_s %.6g\n" % (threads, ev))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--headline":
        headline(int(sys.argv[2]), sys.argv[3])
        return
    ours = {}
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            for line in f:
                key, value = line.split()
                ours[key] = float(value)
    print("\nPyTorch %s on the same machine: the reference CNN, batch %d (images/s; "
          "bnexp / PyTorch: above 1, bnexp is faster)" % (torch.__version__, BATCH))
    print("  %-10s %-7s %12s %12s %14s %14s" % ("norm", "threads", "train img/s", "eval img/s",
                                                "bnexp/PyTorch", "bnexp/PyTorch"))
    print("  %-10s %-7s %12s %12s %14s %14s" % ("", "", "", "", "train", "eval"))
    for kind in KINDS:
        for threads in (1, 2):
            train, ev = measure(kind, threads)
            a = ours.get("cnn_%s_t%d_images_per_s" % (kind, threads))
            b = ours.get("cnn_eval_t%d_images_per_s" % threads) if kind == "batch" else None
            print("  %-10s %-7d %12.0f %12.0f %14s %14s" % (
                kind, threads, train, ev, "%.2fx" % (a / train) if a else "-",
                "%.2fx" % (b / ev) if b else "-"))
    print("  (batch_renorm, online: no PyTorch equivalent; bench.c's 'layer' on maps is "
          "GroupNorm(1, C) here)")


if __name__ == "__main__":
    main()
