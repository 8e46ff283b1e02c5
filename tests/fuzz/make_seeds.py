#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets, tests/fuzz/corpus/TARGET/,
and the libFuzzer dictionaries tests/fuzz/TARGET.dict.

Each seed is a small valid input in the layout its target documents (the
comment at the top of tests/fuzz/fuzz_TARGET.c): a mode byte where the
target has one, then the file bytes.  Run from the checkout:

    python3 tests/fuzz/make_seeds.py

The output is checked in; rerun after changing a target's input layout."""
import gzip
import os
import re
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(ROOT, "tests", "fuzz")


def write(target, name, data):
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)  # mtime 0: the same bytes every run


# ---- IDX (data/idx.h) ----
def idx(dims, values):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


images = idx([2, 3, 3], [(17 * i) % 256 for i in range(18)])
labels = idx([2], [3, 9])


def pair(mode, img, lab):
    return bytes([mode]) + struct.pack(">H", len(img)) + img + lab


write("fuzz_idx", "images-any", b"\x00" + images)
write("fuzz_idx", "images-3d", b"\x06" + images)
write("fuzz_idx", "labels-1d", b"\x02" + labels)
write("fuzz_idx", "images-4d", b"\x00" + idx([1, 2, 2, 2], range(8)))
write("fuzz_idx", "images-gzipped-by-harness", b"\x07" + images)
write("fuzz_idx", "images-gz-bytes", b"\x06" + gz(images))
write("fuzz_idx", "pair-10-classes", pair(0x80 | 9 << 3, images, labels))
write("fuzz_idx", "pair-10-classes-gz", pair(0x81 | 9 << 3, images, labels))

# ---- CIFAR-10 binary (data/cifar.h) ----
def record(label, shift):
    return bytes([label]) + bytes((i + shift) % 256 for i in range(3072))


write("fuzz_cifar", "one-record", b"\x00" + record(3, 0))
write("fuzz_cifar", "two-records", b"\x00" + record(0, 1) + record(9, 2))
write("fuzz_cifar", "two-files", b"\x01" + struct.pack(">H", 3073) + record(1, 3) + record(7, 4))


# ---- PNG (data/pngdir.h) ----
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png(w, h, depth, ctype, rows, interlace=0, extra=b""):
    """rows: h lists of w samples-per-pixel tuples (ints at `depth` bits)."""
    per_pixel = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]

    def pack(pixels):
        bits = "".join(format(s, "0%db" % depth) for p in pixels for s in p)
        bits += "0" * (-len(bits) % 8)
        return bytes([0]) + bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))

    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            for y in range(y0, h, dy):
                line = [rows[y][x] for x in range(x0, w, dx)]
                if line:
                    raw += pack(line)
    else:
        raw = b"".join(pack(r) for r in rows)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)
    assert all(len(p) == per_pixel for r in rows for p in r)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def grid(w, h, f):
    return [[f(x, y) for x in range(w)] for y in range(h)]


write("fuzz_png", "grey8", png(4, 3, 8, 0, grid(4, 3, lambda x, y: (40 * x + 10 * y,))))
write("fuzz_png", "grey1", png(9, 2, 1, 0, grid(9, 2, lambda x, y: ((x + y) % 2,))))
write("fuzz_png", "grey4-trns", png(3, 3, 4, 0, grid(3, 3, lambda x, y: (x * 5 + y,)),
                                    extra=chunk(b"tRNS", struct.pack(">H", 6))))
write("fuzz_png", "grey16", png(2, 2, 16, 0, grid(2, 2, lambda x, y: (257 * (x + 100 * y),))))
write("fuzz_png", "rgb8", png(3, 2, 8, 2, grid(3, 2, lambda x, y: (x * 80, y * 200, 7))))
write("fuzz_png", "rgb8-adam7", png(9, 9, 8, 2, grid(9, 9, lambda x, y: (x * 20, y * 20, x ^ y)),
                                    interlace=1))
write("fuzz_png", "palette2", png(5, 2, 2, 3, grid(5, 2, lambda x, y: ((x + y) % 3,)),
                                  extra=chunk(b"PLTE", bytes([0, 0, 0, 255, 0, 0, 0, 255, 0]))
                                  + chunk(b"tRNS", bytes([255, 128]))))
write("fuzz_png", "grey-alpha8", png(2, 2, 8, 4, grid(2, 2, lambda x, y: (200, 100 * x + 50 * y))))
write("fuzz_png", "rgba16", png(2, 1, 16, 6, grid(2, 1, lambda x, y: (65535, 0, 300 * x, 40000))))
write("fuzz_png", "grey8-gama-text", png(2, 2, 8, 0, grid(2, 2, lambda x, y: (x + y,)),
                                         extra=chunk(b"gAMA", struct.pack(">I", 45455))
                                         + chunk(b"tEXt", b"Comment\x00seed")))

# ---- experiment specs (spec/spec.h) ----
for name in sorted(os.listdir(os.path.join(ROOT, "experiments"))):
    if name.endswith(".ini"):
        with open(os.path.join(ROOT, "experiments", name), "rb") as f:
            write("fuzz_ini", name, f.read())
small = b"[experiment]\nsteps = 10\n[variant.a]\nbn = true\n[variant.b]\n"
write("fuzz_ini", "small-with-options", small + b"\x00steps=20\nlr=0.1\n@b,a\nbn=false\n")
write("fuzz_ini", "bad-value-and-section", b"[experiment]\nlr = x\n[other]\nk=v\n")
write("fuzz_ini", "grids", small + b"[grid.a]\ninit_std = 1e-3:1e1:x10\nlr = 0.1, 0.2\n"
      b"[grid.b]\nconv_channels = [16,32],[8]\ndropout = 0:0.5:+0.25\n"
      b"\x00%lr=0.3,0.4\n%bn=true\nsteps=5\n@a\n")

# ---- run plans (spec/plan.h) ----
import json
def plan(trials, swept=()):
    return json.dumps({
        "format": "bnexp-plan", "version": 1, "experiment": "e", "source": "e.ini",
        "description": "", "bnexp": "0", "created_utc": "2026-01-01T00:00:00Z",
        "swept": list(swept),
        "datasets": [{"name": "mnist", "verified": True,
                      "files": [{"file": "train-images-idx3-ubyte", "sha256": "ab" * 32}]}],
        "trials": [{"variant": v, "seed": k, "dir": "%s/seed-%d" % (v, k),
                    "config": dict(cfg, seed=str(k))} for v, k, cfg in trials]},
        indent="\t").encode()
write("fuzz_plan", "two-trials", plan([("a-lr-0.1", 1, {"lr": "0.1", "bn": "true"}),
                                       ("a-lr-0.1", 2, {"lr": "0.1", "conv_channels": "16,32"})],
                                      ["lr"]))
write("fuzz_plan", "one-trial-no-keys", plan([("b", 7, {})]))

# ---- checkpoints (train/checkpoint.h) ----
# A mode byte (odd: the harness writes the checksum; these carry the right
# one anyway), then the file.  Versions 7 (Adam's second moment), 5 (named
# CSV lengths and probe blocks) and 4 (fixed fields, mapped on reading);
# the two version 2 seeds
# (small-finished, small-interrupted) were written by bnexp itself.
import hashlib


def checkpoint(version, step=7, finished=0, status=3, blocks=(), csvs=(), ics=None, moment2=()):
    i64 = lambda v: struct.pack("<q", v)
    f64 = lambda v: struct.pack("<d", v)
    body = i64(step) + i64(finished) + f64(1.5) + f64(0.25) + i64(3) + i64(4)
    body += b"".join(i64(v) for v in (step, -1, 5, -1))          # steps .. steps_to_target
    body += i64(status) + i64(2) + i64(1)                           # status, probe layer, unit
    body += b"".join(f64(v) for v in (0.5, 0.6, float("nan"), 0.55, 0.1, 0.2, 0.3, 9.0))
    if version >= 6:
        body += f64(0.75)                                           # final_test_loss
    drift = b"".join(f64(v) for v in (-1, 1, -0.5, 0.5, 0, 2)) + i64(2)
    if version <= 4:
        body += drift
    body += b"".join(struct.pack("<QQ", 0x1234 + s, 2 * s + 1) for s in range(4))
    order = [3, 0, 4, 1, 2]
    body += i64(len(order)) + b"".join(struct.pack("<I", o) for o in order) + i64(2)
    body += i64(3) + struct.pack("<6f", 0.1, -0.2, 0.3, 0.0, 0.0, 0.01)
    if version >= 7:
        body += i64(len(moment2)) + b"".join(struct.pack("<f", v) for v in moment2)
    body += i64(2) + struct.pack("<2f", 0.0, 1.0)
    if version <= 4:
        lengths = dict(csvs)
        names = ["metrics.csv", "activations.csv", "histograms.csv", "ics.csv", "landscape.csv"]
        body += b"".join(i64(lengths.get(n, 0)) for n in names[:{2: 3, 3: 4, 4: 5}[version]])
        if version > 2:
            body += i64(len(ics or [])) + b"".join(struct.pack("<f", v) for v in ics or [])
    else:
        name = lambda n: i64(len(n)) + n.encode()
        body += i64(len(csvs)) + b"".join(name(n) + i64(v) for n, v in csvs)
        blocks = [("activations", drift)] + list(blocks)
        body += i64(len(blocks)) + b"".join(name(n) + i64(len(d)) + d for n, d in blocks)
    head = b"BNXCKPT\0" + struct.pack("<II", version, 0x01020304) + bytes(range(32))
    data = head + struct.pack("<Q", len(body)) + body
    return b"\x01" + data + hashlib.sha256(data).digest()


csvs = [("metrics.csv", 120), ("activations.csv", 300), ("histograms.csv", 900)]
ics_prev = [0.5, -1.0, 2.0, 0.25]
write("fuzz_checkpoint", "v7-adam", checkpoint(7, csvs=csvs, moment2=(0.0, 1e-4, 0.5)))
write("fuzz_checkpoint", "v5-activations", checkpoint(5, csvs=csvs))
write("fuzz_checkpoint", "v5-every-probe", checkpoint(
    5, finished=1, status=0, csvs=csvs + [("ics.csv", 400), ("landscape.csv", 70)],
    blocks=[("ics", struct.pack("<4f", *ics_prev)), ("empty", b"")]))
write("fuzz_checkpoint", "v4-with-ics", checkpoint(4, csvs=csvs + [("ics.csv", 400)], ics=ics_prev))
write("fuzz_checkpoint", "v3-ics-off", checkpoint(3, csvs=csvs))

# ---- dictionaries ----
with open(os.path.join(FUZZ, "fuzz_png.dict"), "w") as f:
    f.write("# PNG chunk types and the signature (libFuzzer -dict)\n")
    f.write('signature="\\x89PNG\\x0d\\x0a\\x1a\\x0a"\n')
    for kind in ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "iCCP",
                 "sBIT", "bKGD", "hIST", "pHYs", "sPLT", "tIME", "tEXt", "zTXt", "iTXt",
                 "eXIf", "acTL", "fcTL"]:
        f.write('"%s"\n' % kind)
with open(os.path.join(ROOT, "lib", "spec", "config.c")) as f:
    text = f.read()  # the keys, and their former names (the alias table)
    keys = sorted(set(re.findall(r'^\s*\{"([a-z_0-9]+)", K_', text, re.M) +
                      re.findall(r'^\s*\{"([a-z_0-9]+)", "[a-z_0-9]+"\},', text, re.M)))
with open(os.path.join(FUZZ, "fuzz_ini.dict"), "w") as f:
    f.write("# experiment keys (lib/spec/config.c) and spec syntax (libFuzzer -dict)\n")
    for word in ["[experiment]", "[variant.", "[grid]", "[grid.", "description", "seeds", "=",
                 "\\x00", "@", "%", ",", "[", "]", ":", ":x", ":+", "true",
                 "false", "1e-9", "4294967295", "bn"] + keys:
        f.write('"%s"\n' % word)
print("seeds and dictionaries written under", FUZZ)
