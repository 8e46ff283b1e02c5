#!/usr/bin/env bash
# run_logged.sh LOG NAME CMD...: run CMD with its output in LOG, then print
# one line, "pass NAME (S s): LAST LINE" or "FAIL NAME (S s)" followed by the
# whole log, and exit with CMD's status.  Lets `make -j2` run the checks
# side by side (check-asan) without their lines interleaving; the log stays
# for reading either way.
set -u
log=$1 name=$2
shift 2
mkdir -p "$(dirname "$log")"
start=$SECONDS
"$@" >"$log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
    echo "pass $name ($((SECONDS - start)) s): $(tail -n 1 "$log")"
else
    echo "FAIL $name ($((SECONDS - start)) s, exit $rc); its output ($log):"
    sed 's/^/    /' "$log"
fi
exit $rc
