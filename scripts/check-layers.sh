#!/usr/bin/env bash
# make check-layers: the layout rules of HACKING.md, checked on the sources
# and on the objects of a build (nm):
#   1. lib/'s folders are stages in this order, and a file includes or calls
#      only its own stage and those before it (cmd/ may use every stage);
#   2. no circle between files: the modules (X.c with X.h) that call one
#      another, and the headers that include one another, form no loop;
#   3. no folder of lib/ holds more than 30% of lib's lines;
#   4. no .c file of lib/ or cmd/ is longer than 900 lines;
#   5. cmd/ (argument parsing and calls) is under 3,000 lines.
# Prints every breach and exits 1 if there is one.  Usage: check-layers.sh
# [BUILD_DIR] (default build; the objects are made by `make` first).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
stages=(core io data nn model probe spec train runs analysis)
bad=0
breach() { echo "check-layers: $*"; bad=1; }

declare -A rank
for i in "${!stages[@]}"; do rank[${stages[$i]}]=$i; done
for d in lib/*/; do
    d=${d%/}; d=${d#lib/}
    [ -n "${rank[$d]+x}" ] || breach "lib/$d is not a stage (known: ${stages[*]}); add it to scripts/check-layers.sh in its place"
done

# 1a. includes: "STAGE/file.h" from a lower stage
for f in lib/*/*.[ch]; do
    s=${f#lib/}; s=${s%%/*}
    while IFS= read -r inc; do
        t=${inc%%/*}
        [ -n "${rank[$t]+x}" ] || continue
        if [ "${rank[$t]}" -gt "${rank[$s]}" ]; then
            breach "$f ($s) includes $inc ($t, a later stage)"
        fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done

# 1b and 2a. calls: every bnx_ symbol an object uses, and where it is defined
# the objects of today's sources (an older build may hold others)
objs=""
for c in lib/*/*.c; do
    o=$build/${c%.c}.o
    if [ -f "$o" ]; then objs+=" $o"; else missing_obj=$o; fi
done
if [ -n "${missing_obj:-}" ]; then
    breach "no object $missing_obj: build first (make)"
else
    defs=$(mktemp); uses=$(mktemp); edges=$(mktemp)
    trap 'rm -f "$defs" "$uses" "$edges" "$edges.err"' EXIT
    for o in $objs; do
        m=${o#"$build"/lib/}; m=${m%.o}
        nm "$o" | awk -v m="$m" '$2 ~ /^[TDBR]$/ && $3 ~ /^bnx_/ { print $3, m }' >>"$defs"
        nm "$o" | awk -v m="$m" '$1 == "U" && $2 ~ /^bnx_/ { print $2, m }' >>"$uses"
    done
    sort -o "$defs" "$defs"; sort -o "$uses" "$uses"
    # uses joined with their definitions: SYMBOL USER DEFINER
    calls=$(mktemp)
    join "$uses" "$defs" | while read -r sym user def; do
        us=${user%%/*}; ds=${def%%/*}
        if [ "${rank[$ds]}" -gt "${rank[$us]}" ]; then
            echo "check-layers: lib/$user.c ($us) calls $sym of lib/$def.c ($ds, a later stage)"
        fi
        [ "$user" != "$def" ] && echo "$user $def" >>"$edges"
    done | sort -u >"$calls"
    if [ -s "$calls" ]; then cat "$calls"; bad=1; fi
    rm -f "$calls"
    if [ -s "$edges" ]; then
        sort -u "$edges" | tsort >/dev/null 2>"$edges.err" ||
            breach "modules that call one another in a circle: $(grep -v 'input contains a loop' "$edges.err" | sed 's/^tsort: //' | tr '\n' ' ')"
        rm -f "$edges.err"
    fi
fi

# 2b. headers that include one another
inc_edges=$(for h in lib/*/*.h; do
    sed -n 's/^#include "\([^"]*\.h\)".*/\1/p' "$h" | while read -r t; do
        [ -f "lib/$t" ] && echo "${h#lib/} $t"
    done
done)
if [ -n "$inc_edges" ]; then
    err=$(printf '%s\n' "$inc_edges" | tsort 2>&1 >/dev/null) ||
        breach "headers that include one another in a circle: $(printf '%s' "$err" | grep -v 'input contains a loop' | tr '\n' ' ')"
fi

# 3. no folder over 30% of lib
total=$(cat lib/*/*.[ch] | wc -l)
for d in lib/*/; do
    n=$(cat "$d"*.[ch] | wc -l)
    if [ $((n * 100)) -gt $((total * 30)) ]; then
        breach "${d%/} holds $n of lib's $total lines ($((n * 100 / total))%, limit 30%)"
    fi
done

# 4. no .c file over 900 lines
for f in lib/*/*.c cmd/*/*.c; do
    n=$(wc -l <"$f")
    [ "$n" -le 900 ] || breach "$f has $n lines (limit 900)"
done

# 5. cmd/ under 3,000 lines
n=$(cat cmd/*/*.[ch] | wc -l)
[ "$n" -lt 3000 ] || breach "cmd/ has $n lines (limit 3,000: argument parsing and calls; the logic belongs in lib/)"

if [ "$bad" -eq 0 ]; then
    echo "check-layers: ok (${stages[*]}; $total lines in lib, $n in cmd)"
fi
exit "$bad"
