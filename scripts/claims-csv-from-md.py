#!/usr/bin/env python3
"""A claims.csv from a claims.md, for a table published only in Markdown.

usage: scripts/claims-csv-from-md.py CLAIMS.md > OLD.csv

`bnexp report claims --compare OLD.csv` reads a claims.csv (its columns:
docs/reference/outputs.md).  The tables published before issue 27 were
committed as claims.md alone (docs/results/2026-12-06-claims-table*.md).
This reads the per-rule sections of such a file (its "## Rules and
numbers": a heading "EXPERIMENT[/RULE]: claim C, VERDICT" and a table of
points: point, seeds, pooled, per seed "mean ± sd (n)", "LEVEL% interval"
"lo to hi", the point's verdict) and writes the columns the comparison
reads: experiment, rule, point, state, verdict, point_verdict, measure,
seed_mean, seed_n, ci_lo, ci_hi, level.  A section without a table of
points is a rule "not run".  Exits 1, naming the line, on a section whose
table it cannot read.
"""
import csv
import re
import sys

HEADING = re.compile(r'^### <a id="[^"]*"></a>([^/:]+)(?:/([^:]+))?: claim [^,]+, (.*)$')
VERDICTS = ("does not hold", "holds", "mixed", "inconclusive", "undecided", "not run")


def verdict_of(text):
    """The verdict word(s) at the start of a heading's or cell's text."""
    text = text.strip().strip("*")
    for v in VERDICTS:
        if text.startswith(v):
            return v
    return ""


def number(text):
    """The cell as a number's text, or '' where it holds none."""
    text = text.strip()
    try:
        float(text)
        return text
    except ValueError:
        return ""


def cells(line):
    """The cells of a Markdown table row (escaped pipes kept)."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [p.strip() for p in parts[1:-1]]


def main(path):
    rows = []
    section = None  # (experiment, rule, verdict, line number, points seen)
    level = ""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")

    def close():
        if section and not section[4]:
            exp, rule, verdict, _, _ = section
            rows.append([exp, rule, "", "not run" if verdict == "not run" else "decided",
                         "" if verdict == "not run" else verdict, "", "", "", "", "", "", ""])

    for no, line in enumerate(lines, 1):
        m = HEADING.match(line)
        if m:
            close()
            section = [m.group(1), m.group(2) or "", verdict_of(m.group(3)), no, 0]
            continue
        if not section or not line.startswith("|"):
            continue
        c = cells(line)
        if c and c[0] == "point":
            if len(c) < 6 or not c[4].endswith("interval"):
                sys.exit(f"{path}:{no}: a table of points without its interval column")
            level = str(float(c[4].split("%")[0]) / 100)
            continue
        if not c or set(c[0]) <= set("-") or len(c) < 6:
            continue
        point, seeds, pooled, per_seed, interval, pverdict = c[:6]
        mean = n = lo = hi = ""
        ps = re.match(r"^(\S+) ± \S+ \((\d+)\)$", per_seed)
        if ps:
            mean, n = number(ps.group(1)), ps.group(2)
        iv = re.match(r"^(\S+) to (\S+)$", interval)
        if iv:
            lo, hi = number(iv.group(1)), number(iv.group(2))
        exp, rule, verdict, _, _ = section
        rows.append([exp, rule, point.replace("\\|", "|"), "decided", verdict,
                     verdict_of(pverdict), number(pooled), mean, n, lo, hi, level])
        section[4] += 1
    close()
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["experiment", "rule", "point", "state", "verdict", "point_verdict", "measure",
                  "seed_mean", "seed_n", "ci_lo", "ci_hi", "level"])
    out.writerows(rows)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1])
