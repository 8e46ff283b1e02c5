#!/usr/bin/env bash
# Put the claims table's summary into a page (README.md), so that the page's
# headline numbers are bnexp's output and never typed by hand:
#
#   scripts/readme-claims.sh CLAIMS_MD [PAGE]      (make readme-claims)
#
# CLAIMS_MD is a claims.md written by `bnexp report claims` or `bnexp run
# claims`.  In PAGE (default README.md) the lines from "<!-- claims-summary
# -->" to "<!-- /claims-summary -->" are replaced by CLAIMS_MD's own block
# (the verdicts counted by network) followed by the first paragraph of its
# Provenance section (code version, machine, dates, time).  PAGE is
# rewritten whole (a temporary file, then renamed); anything else in it is
# left as it is.  Exit 1, changing nothing, when either file lacks the
# markers or CLAIMS_MD has no Provenance section.
set -euo pipefail
md=${1:?usage: readme-claims.sh CLAIMS_MD [PAGE]}
page=${2:-README.md}
begin='<!-- claims-summary -->'
end='<!-- /claims-summary -->'
for f in "$md" "$page"; do
    if ! grep -qxF "$begin" "$f" || ! grep -qxF "$end" "$f"; then
        echo "readme-claims: $f has no lines '$begin' ... '$end'" >&2
        exit 1
    fi
done
block=$(sed -n "\\#^$begin\$#,\\#^$end\$#p" "$md" | sed '1d;$d')
provenance=$(awk '/^## Provenance$/ {on = 1; next} on && NF {print; found = 1; next} on && found {exit}' "$md")
if [ -z "$provenance" ]; then
    echo "readme-claims: $md has no Provenance section (a claims.md from before 2026-12-06?)" >&2
    exit 1
fi
tmp=$(mktemp "$page.XXXXXX")
trap 'rm -f "$tmp"' EXIT
BLOCK="$block" PROV="$provenance" awk -v b="$begin" -v e="$end" '
    $0 == b { print; print ENVIRON["BLOCK"]; print ""; print ENVIRON["PROV"]; skip = 1; next }
    $0 == e { skip = 0 }
    !skip' "$page" >"$tmp"
chmod --reference="$page" "$tmp"
mv "$tmp" "$page"
trap - EXIT
echo "readme-claims: $page's claims summary replaced from $md"
