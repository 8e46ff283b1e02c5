#!/usr/bin/env bash
# The generated reference pages cannot drift: each docs/reference/PAGE.md
# that `bnexp list --markdown PAGE` writes (make docs) must be what this
# bnexp prints now; and every relative link in the README, HACKING.md and
# docs/ must lead to a file that exists.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
. tests/checks.sh
for page in keys charts normalizations models probes measures datasets; do
    if out=$("$BNEXP" list --markdown "$page" 2>&1) && diff -u "docs/reference/$page.md" - <<<"$out" >/tmp/bnexp-docs-$$.diff; then
        ok "docs/reference/$page.md is what bnexp list --markdown $page prints"
    else
        fail "docs/reference/$page.md differs from bnexp list --markdown $page (run make docs)" \
            "$(head -20 /tmp/bnexp-docs-$$.diff)"
    fi
done
rm -f /tmp/bnexp-docs-$$.diff
expect_exit "list --markdown of an unknown page" 2 "expected keys, charts" "$BNEXP" list --markdown bogus

# relative links: [text](path) and [text](path#anchor)
bad=""
for f in README.md HACKING.md docs/*/*.md; do
    dir=$(dirname "$f")
    while IFS= read -r target; do
        case $target in http*|mailto:*|"") continue ;; esac
        [ -e "$dir/$target" ] || bad+=" $f->$target"
    done < <(grep -o '](\([^)#[:space:]]*\)' "$f" | sed 's/^](//')
done
[ -z "$bad" ] && ok "every relative link in README.md, HACKING.md and docs/ resolves" ||
    fail "links that lead nowhere:$bad"

# list --json PAGE: the same rows as the page's Markdown tables, cell for cell
bad=""
for p in keys charts normalizations models probes measures datasets; do
    python3 - "$p" "$($BNEXP list --json "$p")" "docs/reference/$p.md" <<'EOF' || bad+=" $p"
import json, sys
page, text, md = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.loads(text)
assert d["format"] == "bnexp-list" and d["version"] == 1 and d["table"] == page
# the Markdown tables' rows, as the page shows them (| a | b |), in order
rows = [l for l in open(md).read().splitlines() if l.startswith("| ") and not l.startswith("|---")]
got = []
for t in d["tables"]:
    got.append("| " + " | ".join(t["columns"]) + " |")
    for r in t["rows"]:
        assert len(r) == len(t["columns"]), r
        got.append(r)
assert len(got) == len(rows), (len(got), len(rows))
for g, m in zip(got, rows):
    if isinstance(g, str):
        assert g == m, (g, m)
    else:  # a row: the Markdown row is its cells, '|' escaped, a newline a space
        cells = [c.replace("|", "\\|").replace("\n", " ") for c in g]
        if page == "measures":  # the form is code
            cells[1] = "`" + cells[1] + "`"
        assert m == "| " + " | ".join(cells) + " |", (g, m)
EOF
done
[ -z "$bad" ] && ok "list --json: every table's columns and rows, as its reference page shows them" ||
    fail "list --json differs from the reference pages:$bad"
expect_exit "list --json of an unknown table" 2 "expected keys, charts" $BNEXP list --json nope

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
