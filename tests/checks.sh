# Sourced by the CLI test scripts (tests/cli_*.sh, tests/valgrind_cli.sh): the tally of checks.
#   ok NAME            a check passed
#   fail NAME [TEXT]   a check failed; TEXT (e.g. the command's output) is shown indented
#   skip NAME          a check could not run here (said, not counted as passed)
#   expect_fail NAME PATTERN CMD...   CMD exits non-zero and says PATTERN (a
#                      script may define its own instead, after sourcing this)
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
