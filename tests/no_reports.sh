#!/usr/bin/env bash
# no_reports.sh DIR WHAT: succeed if DIR holds no non-empty file; otherwise
# print each such file (a sanitizer or valgrind report, one per process)
# and fail.  Used by `make check-asan` and `make check-valgrind`, whose
# tools write reports there instead of to the terminal, so a report from a
# command that was expected to fail is not lost in its output.
set -u
dir=$1 what=$2
reports=$(find "$dir" -type f -size +0 2>/dev/null | sort)
if [ -z "$reports" ]; then
    echo "$what: no reports in $dir"
    exit 0
fi
for f in $reports; do
    echo "==== $f"
    head -n 80 "$f"
done
echo "$what: $(wc -l <<<"$reports") report(s) in $dir (above)"
exit 1
