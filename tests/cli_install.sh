#!/usr/bin/env bash
# `make install` and an installed bnexp: installed into a temporary DESTDIR
# with PREFIX=/usr and run from there, from another directory, without
# BNEXP_HOME: it finds its experiments, gnuplot templates and dataset sums
# in <bin>/../share/bnexp, writes runs/ (and, without BNEXP_DATASETS,
# datasets/) in the current directory, trains fig1 briefly and draws its
# chart; `man -l` renders each man page and bnexp-run(1) holds the text
# `bnexp run --help` prints; the bash completion completes commands and
# options; `make uninstall` leaves nothing behind.  Ends with "N passed,
# N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
tmp=$(mktemp -d /tmp/bnexp-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh
stage=$tmp/stage
bin=$stage/usr/bin/bnexp

if out=$(make --no-print-directory install DESTDIR="$stage" PREFIX=/usr 2>&1) && [ -x "$bin" ] &&
   [ -f "$stage/usr/share/bnexp/experiments/fig1.ini" ] && [ -f "$stage/usr/share/bnexp/plots/accuracy.gp" ] &&
   [ -f "$stage/usr/share/bnexp/datasets/mnist.sha256" ] && [ -f "$stage/usr/share/man/man1/bnexp-run.1" ] &&
   [ -f "$stage/usr/share/bash-completion/completions/bnexp" ] &&
   [ -f "$stage/usr/share/doc/bnexp/docs/reference/outputs.md" ]; then ok "make install DESTDIR PREFIX=/usr"
else fail "make install" "$out"; echo "$passed passed, $failed failed"; exit 1; fi

(cd "$stage" && find . | sort) >"$tmp/installed.txt"
mkdir -p "$tmp/work"
cd "$tmp/work" || exit 1
unset BNEXP_HOME BNEXP_DATASETS
if out=$("$bin" list 2>&1) && grep -q "^  fig1 " <<<"$out" &&
   grep -q "$tmp/work/datasets/mnist\|\./datasets/mnist" <<<"$out"; then
    ok "installed bnexp lists its experiments; datasets in ./datasets"
else fail "installed bnexp list" "$out"; fi
expect_fail "installed bnexp without data names ./datasets" "datasets/mnist" \
    "$bin" run fig1 --set steps=10 --seed 1 --variants bn
if out=$(BNEXP_DATASETS=$top/datasets "$bin" run fig1 --set steps=40 --set eval_every=20 --seed 1 --jobs 2 2>&1) &&
   [ -f runs/fig1/latest/summary.csv ] && [ "$(grep -c ',done,40,' runs/fig1/latest/summary.csv)" = 2 ]; then
    ok "installed bnexp trains fig1 into ./runs (BNEXP_DATASETS)"
else fail "installed bnexp run fig1" "$out"; fi
if out=$("$bin" plot accuracy fig1 2>&1) && [ -s runs/fig1/latest/plots/fig1-accuracy.png ]; then
    ok "installed bnexp draws a chart from its share/ template"
else fail "installed bnexp plot" "$out"; fi
if diff "$tmp/installed.txt" <(cd "$stage" && find . | sort) >"$tmp/diff.txt"; then
    ok "nothing written beside the installed files"
else fail "files appeared beside the installed ones" "$(cat "$tmp/diff.txt")"; fi

if command -v man >/dev/null 2>&1; then
    bad=""
    for page in "$stage"/usr/share/man/man1/*.1; do
        MANWIDTH=100 man -l "$page" >"$tmp/page.txt" 2>"$tmp/page.err" && [ -s "$tmp/page.txt" ] &&
            groff -man -ww -z "$page" 2>>"$tmp/page.err" && ! grep -q . "$tmp/page.err" ||
            bad+=" $(basename "$page")"
    done
    [ -z "$bad" ] && ok "man -l renders every page ($(ls "$stage"/usr/share/man/man1 | wc -l))" ||
        fail "man pages that do not render:$bad" "$(cat "$tmp/page.err")"
    MANWIDTH=200 man -l "$stage/usr/share/man/man1/bnexp-run.1" 2>/dev/null | sed 's/^ *//' >"$tmp/man.txt"
    missing=$("$bin" run --help | sed -n '/^$/,$p' | sed 's/^ *//' | grep -v '^$' | grep -vxFf "$tmp/man.txt" | head -3)
    [ -z "$missing" ] && ok "bnexp-run(1) holds every line of bnexp run --help" ||
        fail "bnexp-run(1) lacks lines of --help" "$missing"
else
    skip "man pages (no man here)"
fi

comp=$stage/usr/share/bash-completion/completions/bnexp
out=$(PATH=$stage/usr/bin:$PATH bash -c '. "$1"; COMP_WORDS=(bnexp ru); COMP_CWORD=1; _bnexp; echo "${COMPREPLY[*]}";
      COMP_WORDS=(bnexp run --se); COMP_CWORD=2; _bnexp; echo "${COMPREPLY[*]}";
      COMP_WORDS=(bnexp run fi); COMP_CWORD=2; _bnexp; echo "${COMPREPLY[*]}"' _ "$comp" 2>&1)
[ "$out" = $'run\n--seed --seeds --set\nfig1' ] && ok "bash completion: commands, options, experiments" ||
    fail "bash completion" "$out"

cd "$top" || exit 1
if out=$(make --no-print-directory uninstall DESTDIR="$stage" PREFIX=/usr 2>&1) &&
   [ -z "$(find "$stage" -type f)" ]; then ok "make uninstall removes every installed file"
else fail "make uninstall" "$out $(find "$stage" -type f)"; fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
