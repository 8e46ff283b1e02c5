"""make bench, PyTorch part: the reference CNN of bench/bench.c (lr-sweep.ini's
network: conv 16, 16, 32, 32 3x3 with padding 1, 2x2 max pooling after every
second, fc 128 with dropout 0.3, fc 10; batch 64 of 1x28x28, SGD with
momentum 0.9 and weight decay 5e-4) in PyTorch on the same machine, with
each normalization PyTorch has an equivalent of, on 1 and 2 threads: the
training step's images/s, and evaluation (model.eval(), no_grad) next to it.
The steps read 32 Fashion-MNIST mini-batches in turn (bench.c's pool).

    python3 bench/torch_ref.py [FIGURES]
    python3 bench/torch_ref.py --headline THREADS OUT

FIGURES is the file `build/bench FIGURES` wrote (KEY VALUE lines): with it,
the bnexp / PyTorch ratio of each figure is printed too (above 1: bnexp is
faster).  Timings: the best of several rounds; compare within one run.
--headline measures on THREADS threads only and writes KEY VALUE lines to
OUT (torch_KIND_tT_images_per_s, torch_eval_tT_images_per_s,
torch_resnet20_tT_images_per_s: bench.c's ResNet-20; on one thread
torch_lstm_t1_ms: bench.c's LSTM as nn.LSTM), for
bench/compare.sh, which alternates it with `build/bench --headline`."""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

BATCH, SIDE, CLASSES = 64, 28, 10
# The steps read POOL mini-batches in turn, as bench.c's do: one
# mini-batch over and over is memorised, and PyTorch's step then slowed
# from 29 to 36-107 ms as the loss fell to 0.03
# (docs/results/2026-12-07-suite.md).
POOL = 32


def fashion_pool():
    """The first POOL * BATCH Fashion-MNIST training images, standardised
    with the training set's mean and standard deviation (as bench.c and
    `standardize = true`), as (N, 1, 28, 28) floats, and their labels; or
    normal random inputs and labels i mod 10 when the dataset is not
    installed (datasets/fashion-mnist, `bnexp data fetch fashion-mnist`)."""
    n = POOL * BATCH
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "fashion-mnist")
    try:
        with open(os.path.join(d, "train-images-idx3-ubyte"), "rb") as f:
            pixels = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        with open(os.path.join(d, "train-labels-idx1-ubyte"), "rb") as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    except OSError as e:
        print("torch_ref.py: %s: the steps read normal random inputs instead" % e, file=sys.stderr)
        torch.manual_seed(2)
        return torch.randn(n, 1, SIDE, SIDE), torch.arange(n) % CLASSES
    counts = np.bincount(pixels, minlength=256).astype(np.float64)  # not 47M doubles
    levels = np.arange(256) / 255.0
    mean = (counts * levels).sum() / counts.sum()
    std = np.sqrt((counts * (levels - mean) ** 2).sum() / counts.sum())
    first = pixels[:n * SIDE * SIDE].astype(np.float64) / 255.0
    x = ((first - mean) / std).astype(np.float32).reshape(n, 1, SIDE, SIDE)
    return torch.from_numpy(x), torch.from_numpy(labels[:n].astype(np.int64))


def cycle(x, y, batch):
    """A function giving the next of len(x) // batch mini-batches each call."""
    state = {"next": 0}
    count = x.shape[0] // batch

    def take():
        i = state["next"]
        state["next"] = (i + 1) % count
        return x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
    return take


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


class Block(nn.Module):
    """He et al.'s basic block with the option A shortcut (model/resnet.h)."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.stride, self.pad = stride, (c_out - c_in) // 2

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        s = x[:, :, ::self.stride, ::self.stride]
        if self.pad:
            s = nn.functional.pad(s, (0, 0, 0, 0, self.pad, self.pad))
        return torch.relu(y + s)


def resnet20():
    layers, c = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()], 16
    for stage, k in enumerate((16, 32, 64)):
        for b in range(3):
            layers.append(Block(c, k, 2 if stage and not b else 1))
            c = k
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, CLASSES)]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    return net


def measure_resnet(threads, batch=128):
    """ResNet-20's training step on POOL mini-batches of batch random
    3x32x32 inputs in turn: images/s."""
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    net = resnet20()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    take = cycle(torch.randn(POOL * batch, 3, 32, 32), torch.arange(POOL * batch) % CLASSES, batch)

    def step():
        x, y = take()
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    net.train()
    return batch * 1e3 / best_ms(step, iters=3, reps=3)


def measure_lstm(threads=1, batch=64, steps=28, feat=28, hidden=128):
    """nn.LSTM on row-by-row MNIST's shape (bench.c's LSTM, norm = none):
    one SGD step's ms on a (28, 64, 28) input, the last hidden state through
    a linear layer to 10 classes."""
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    lstm, fc = nn.LSTM(feat, hidden), nn.Linear(hidden, CLASSES)
    params = list(lstm.parameters()) + list(fc.parameters())
    opt = torch.optim.SGD(params, lr=0.01)
    x = torch.rand(steps, batch, feat)
    y = torch.arange(batch) % CLASSES

    def step():
        opt.zero_grad(set_to_none=True)
        hs, _ = lstm(x)
        nn.functional.cross_entropy(fc(hs[-1]), y).backward()
        opt.step()

    return best_ms(step, iters=10, reps=5)


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
    if not POOL_DATA:
        POOL_DATA.extend(fashion_pool())
    pool_x, pool_y = POOL_DATA
    take = cycle(pool_x, pool_y, BATCH)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        x, y = take()
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()

    net.train()
    step_ms = best_ms(step)
    net.eval()
    with torch.no_grad():
        eval_ms = best_ms(lambda: net(take()[0]))
    return BATCH * 1e3 / step_ms, BATCH * 1e3 / eval_ms


KINDS = ("batch", "none", "group", "layer", "instance")
POOL_DATA = []  # fashion_pool()'s, loaded by the first measure()


def headline(threads, out):
    with open(out, "w") as f:
        for kind in KINDS:
            train, ev = measure(kind, threads)
            f.write("torch_%s_t%d_images_per_s %.6g\n" % (kind, threads, train))
            if kind == "batch":
                f.write("torch_eval_t%d_images_per_s %.6g\n" % (threads, ev))
        f.write("torch_resnet20_t%d_images_per_s %.6g\n" % (threads, measure_resnet(threads)))
        if threads == 1:
            f.write("torch_lstm_t1_ms %.6g\n" % measure_lstm(1))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--headline":
        headline(int(sys.argv[2]), sys.argv[3])
        return
    ours = {}
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            for line in f:
                key, value = line.split()
                try:
                    ours[key] = float(value)
                except ValueError:  # a text key (openblas_core)
                    pass
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
    for threads in (1, 2):
        r = measure_resnet(threads)
        a = ours.get("resnet20_t%d_images_per_s" % threads)
        print("  ResNet-20, batch 128 of 3x32x32, BN, %d thread(s): %.0f images/s training%s"
              % (threads, r, " (bnexp / PyTorch %.2fx)" % (a / r) if a else ""))
    ms = measure_lstm(1)
    a = ours.get("lstm_none_t1_ms")
    print("  nn.LSTM, row-by-row MNIST (28 steps of 28, 128 units, batch 64), 1 thread: %.2f ms "
          "a step%s" % (ms, " (PyTorch / bnexp %.2fx)" % (ms / a) if a else ""))


if __name__ == "__main__":
    main()
