"""make bench, PyTorch part 2: lr-sweep.ini's bn-baseline trained as a
PyTorch script would train it, to compare with `bnexp run` end to end.

    python3 bench/torch_train.py STEPS [THREADS]

Loads Fashion-MNIST from datasets/fashion-mnist (the IDX files `bnexp data
fetch fashion-mnist` writes), standardises with the training set's mean and
standard deviation, and trains bench/torch_ref.py's network with BN for
STEPS SGD steps (mini-batches of 64 from a per-epoch shuffle, momentum 0.9,
weight decay 5e-4, lr 0.03 halved every 1200 steps), then evaluates once on
the 10,000 test images.  Prints the seconds from start to end of the
process's work (import and data loading included) and the test accuracy.
bench/marginal.sh runs it at two lengths: the difference, per step, is the
marginal cost of a training step, which start-up and loading cancel out of.
"""
import os
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_ref import network  # noqa: E402


def idx(path, offset):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    steps = int(sys.argv[1])
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    torch.manual_seed(1)
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets", "fashion-mnist")
    xtr = idx(os.path.join(d, "train-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    ytr = torch.from_numpy(idx(os.path.join(d, "train-labels-idx1-ubyte"), 8).astype(np.int64))
    xte = idx(os.path.join(d, "t10k-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    yte = torch.from_numpy(idx(os.path.join(d, "t10k-labels-idx1-ubyte"), 8).astype(np.int64))
    mean, std = xtr.mean() / 255.0, (xtr / 255.0).std()
    # 8-bit pixels kept, converted a mini-batch at a time (as bnexp does)
    xtr, xte = torch.from_numpy(xtr.copy()), torch.from_numpy(xte.copy())

    def floats(x):
        return (x.float() / 255.0 - mean) / std

    net = network("batch")
    opt = torch.optim.SGD(net.parameters(), lr=0.03, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1200, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()
    n, order, cursor = xtr.shape[0], None, xtr.shape[0]
    net.train()
    for _ in range(steps):
        if cursor + 64 > n:
            order, cursor = torch.randperm(n), 0
        b = order[cursor:cursor + 64]
        cursor += 64
        opt.zero_grad(set_to_none=True)
        loss_fn(net(floats(xtr[b])), ytr[b]).backward()
        opt.step()
        sched.step()
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, xte.shape[0], 100):
            correct += (net(floats(xte[i:i + 100])).argmax(1) == yte[i:i + 100]).sum().item()
    print("%.3f %.4f" % (time.perf_counter() - T0, correct / xte.shape[0]))


if __name__ == "__main__":
    main()
