# Sourced by the CLI test scripts (tests/cli_*.sh, tests/valgrind_cli.sh): the tally of checks.
#   ok NAME            a check passed
#   fail NAME [TEXT]   a check failed; TEXT (e.g. the command's output) is shown indented
#   skip NAME          a check could not run here (said, not counted as passed)
passed=0
failed=0
skipped=0
ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' <<<"$2"; }
skip() { skipped=$((skipped + 1)); echo "skip $1"; }
