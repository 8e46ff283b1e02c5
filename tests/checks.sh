# Sourced by the CLI test scripts (tests/cli_*.sh, tests/valgrind_cli.sh): the tally of checks.
#   ok NAME            a check passed
#   fail NAME [TEXT]   a check failed; TEXT (e.g. the command's output) is shown indented
#   skip NAME          a check could not run here (said, not counted as passed)
#   expect_fail NAME PATTERN CMD...   CMD exits non-zero and says PATTERN (a
#                      script may define its own instead, after sourcing this)
#   expect_exit NAME STATUS PATTERN CMD...   CMD exits with STATUS and says PATTERN
#   same_run_csvs A B  every CSV of run directory A equals B's (wall_time_s aside)
#   no_leftovers DIR   no temporary file (*.tmp.*) and no CSV with its last row cut
#   killed_resumes WHAT REF DIR SPEC INI [ARGS...]   a run of INI ARGS killed at the
#                      failpoint SPEC into DIR, resumed, has REF's CSVs
passed=0
failed=0
skipped=0
ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' <<<"$2"; }
skip() { skipped=$((skipped + 1)); echo "skip $1"; }
expect_fail() {
    local name=$1 pattern=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -ne 0 ] && grep -q -- "$pattern" <<<"$out"; then ok "$name"
    else fail "$name (exit $rc, wanted a message matching '$pattern')" "$out"; fi
}
expect_exit() {
    local name=$1 want=$2 pattern=$3; shift 3
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq "$want" ] && grep -q -- "$pattern" <<<"$out"; then ok "$name"
    else fail "$name (exit $rc, wanted $want and '$pattern')" "$out"; fi
}
# same_run_csvs A B: every CSV of run A (trial CSVs and summary.csv) equals
# run B's byte for byte but for the wall_time_s column, and B has no
# trial CSV A lacks.
same_run_csvs() {
    local a=$1 b=$2 f bad=""
    for f in "$a"/summary.csv "$a"/*/seed-*/*.csv; do
        local g=$b/${f#"$a"/} col
        col=$(head -n 1 "$f" | tr ',' '\n' | grep -n '^wall_time_s$' | cut -d: -f1)
        if [ -n "$col" ]; then
            cmp -s <(cut -d, -f"$col" --complement "$f") <(cut -d, -f"$col" --complement "$g" 2>/dev/null) || bad+=" ${f#"$a"/}"
        else
            cmp -s "$f" "$g" || bad+=" ${f#"$a"/}"
        fi
    done
    [ "$(cd "$a" && ls */seed-*/*.csv | sort)" = "$(cd "$b" && ls */seed-*/*.csv | sort)" ] || bad+=" (other files)"
    [ -z "$bad" ] || { echo "differ:$bad"; return 1; }
}
# killed_resumes WHAT REF DIR SPEC INI [ARGS...]: `bnexp run INI ARGS --out
# DIR` killed at the failpoint SPEC (BNEXP_FAILPOINT), then `bnexp run INI
# --resume DIR --jobs 2`, must leave run REF's CSVs (same_run_csvs);
# WHAT ends the check's name.
killed_resumes() {
    local what=$1 ref=$2 dir=$3 spec=$4 ini=$5 out d
    shift 5
    BNEXP_FAILPOINT=$spec $BNEXP run "$ini" "$@" --out "$dir" >/dev/null 2>&1
    if out=$($BNEXP run "$ini" --resume "$dir" --jobs 2 2>&1) && d=$(same_run_csvs "$ref" "$dir"); then
        ok "killed at $spec, resumed: $what"
    else fail "killed at $spec, resumed: $what" "$out ${d:-}"; fi
}
# no_leftovers DIR: no temporary file and no CSV whose last line is cut
no_leftovers() {
    local left f
    left=$(find "$1" -name '*.tmp.*')
    for f in $(find "$1" -name '*.csv'); do
        [ -z "$(tail -c 1 "$f")" ] || left+=" $f (last row cut)"
    done
    [ -z "$left" ] || { echo "left: $left"; return 1; }
}
