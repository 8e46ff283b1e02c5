#!/usr/bin/env bash
# CLI tests of hostile input on real MNIST: configs a run should refuse
# (before it creates anything), experiment names and --out paths that could
# lead outside the output directory, writes that fail (a file-size limit, a
# full or read-only file system), and `bnexp plot` / `bnexp report` on runs
# whose CSVs are missing, empty, header-only, cut short or lack a column.
# Ends with the line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
bnexp_abs=$(cd "$(dirname "$BNEXP")" && pwd)/$(basename "$BNEXP")
tmp=$(mktemp -d /tmp/bnexp-hostile.XXXXXX)
mounts=()
cleanup() {
    for m in "${mounts[@]+"${mounts[@]}"}"; do umount "$m" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
. tests/checks.sh

# expect_fail NAME PATTERN CMD...: CMD exits non-zero and says PATTERN
# (an extended regular expression).
expect_fail() {
    local name=$1 pattern=$2; shift 2
    local out rc
    out=$(timeout 300 "$@" 2>&1); rc=$?
    if [ $rc -ne 0 ] && grep -Eq -- "$pattern" <<<"$out"; then ok "$name"
    else fail "$name (exit $rc, wanted a message matching '$pattern')" "$out"; fi
}

# expect_refused NAME PATTERN DIR CMD...: as expect_fail, and DIR (the
# run's --out) was not created.
expect_refused() {
    local name=$1 pattern=$2 dir=$3; shift 3
    expect_fail "$name" "$pattern" "$@"
    if [ -e "$dir" ]; then fail "$name: $dir was created" "$(find "$dir" | head)"; fi
}

# A short fig1 run: both variants, records at steps 0, 10, 20.
short=(--set steps=20 --set eval_every=10 --set probe_size=200 --seed 1)

# csv_whole FILE...: every file ends with a line break, every row has the
# header's number of fields, and (trial CSVs) every cell is a number, empty,
# the word `all` (activations.csv's unit) or one of ics.csv's points.
csv_whole() {
    python3 - "$@" <<'EOF'
import csv, os, sys
bad = []
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    if data and not data.endswith(b'\n'):
        bad.append(f'{path}: ends without a line break')
        continue
    rows = list(csv.reader(data.decode().splitlines()))
    numeric = os.path.basename(path) != 'summary.csv'
    for i, row in enumerate(rows[1:], 2):
        if len(row) != len(rows[0]):
            bad.append(f'{path}:{i}: {len(row)} fields, header {len(rows[0])}')
        for cell in row if numeric else []:
            if cell not in ('', 'all', 'pre_norm', 'pre_activation', 'weights'):
                try:
                    float(cell)
                except ValueError:
                    bad.append(f'{path}:{i}: {cell!r} is not a number')
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
}

if ! $BNEXP data verify mnist >/dev/null 2>&1; then
    fail "MNIST present and verified (run: bnexp data fetch mnist)"
    echo "$passed passed, $failed failed, $skipped skipped"; exit 1
fi

# ---------------------------------------------------------------------------
# 1. Configs that can be written but must not run: refused before anything
#    is created, with the key, the value and what was expected.
# ---------------------------------------------------------------------------
x="$tmp/refused"
expect_refused "memory: 16 x 4096 units at batch 4096" \
    "batch_size=4096 with hidden_layers=16 x hidden_units=4096 needs an estimated [0-9.]+ GiB of memory .*the limit is 8\.0 GiB \(max_memory_mb=8192" \
    "$x" $BNEXP run fig1 --set steps=1 --set batch_size=4096 --set hidden_layers=16 --set hidden_units=4096 --out "$x"
expect_refused "memory: a CNN of 4096 channels" \
    "conv_channels=4096,4096 and hidden_layers=3 x hidden_units=100 needs an estimated .*im2col [0-9.]+ GiB" \
    "$x" $BNEXP run fig1 --set steps=1 --set model=cnn --set conv_channels=4096,4096 --set batch_size=4096 --out "$x"
expect_refused "memory: max_memory_mb lowers the limit" "the limit is 16\.0 MiB \(max_memory_mb=16" \
    "$x" $BNEXP run fig1 --set steps=1 --set max_memory_mb=16 --set batch_size=4096 --out "$x"
expect_refused "batch_size=10000000" "batch_size: 10000000 is out of range \(expected 1 to 4096\)" \
    "$x" $BNEXP run fig1 --set batch_size=10000000 --out "$x"
expect_refused "hidden_units=100000" "hidden_units: 100000 is out of range" \
    "$x" $BNEXP run fig1 --set hidden_units=100000 --out "$x"
for kv in "lr=nan|lr: 'nan' is not a number" "lr=inf|lr: 'inf' is not a number" \
          "lr=0|lr: 0 is out of range" "lr=-1|lr: -1 is out of range" \
          "momentum=1|momentum: 1 is out of range \(expected 0 to 0.999\)" \
          "momentum=-0.5|momentum: -0.5 is out of range" \
          "bn_eps=0|bn_eps \(now norm_eps\): 0 is out of range" "norm_eps=-1e-5|norm_eps: -1e-5 is out of range" \
          "weight_decay=-0.1|weight_decay: -0.1 is out of range" \
          "dropout=1|dropout: 1 is out of range \(expected 0 to 0.95\)" \
          "bn_momentum=0|bn_momentum \(now norm_momentum\): 0 is out of range" "init_std=0|init_std: 0 is out of range" \
          "lr_decay=0|lr_decay: 0 is out of range" "lr_decay=nan|lr_decay: 'nan' is not a number" \
          "probe_layer=-1|probe_layer: -1 is out of range" \
          "max_memory_mb=0|max_memory_mb: 0 is out of range"; do
    expect_refused "--set ${kv%%|*}" "${kv#*|}" "$x" $BNEXP run fig1 --set "${kv%%|*}" --out "$x"
done
expect_refused "probe of a layer that does not exist" \
    "variant baseline: probe_layer = 5 but the network has 3 hidden layers" \
    "$x" $BNEXP run fig1 --set probe_layer=5 --out "$x"
expect_refused "probe of a unit that does not exist" "probe_unit = 100 but layers have 100 units" \
    "$x" $BNEXP run fig1 --set probe_unit=100 --out "$x"
expect_refused "images smaller than the CNN's kernels" \
    "conv layer 2 .*kernel height 15 exceeds the padded input height 7" \
    "$x" $BNEXP run fig1 --set model=cnn --set conv_channels=8,8 --set conv_kernel=15 --set conv_padding=0 --out "$x"
# A dataset file that is not the one the sums name is refused at load.
home="$tmp/home-baddata"
mkdir -p "$home/experiments" "$home/datasets/mnist"
cp experiments/fig1.ini "$home/experiments/" && cp datasets/mnist.sha256 "$home/datasets/"
for f in datasets/mnist/*; do ln -s "$PWD/$f" "$home/datasets/mnist/"; done
rm "$home/datasets/mnist/t10k-images-idx3-ubyte"
head -c 3000016 datasets/mnist/train-images-idx3-ubyte >"$home/datasets/mnist/t10k-images-idx3-ubyte"
expect_refused "a test-image file that is not MNIST's" "t10k-images-idx3-ubyte" \
    "$x" env BNEXP_HOME="$home" $BNEXP run fig1 --set steps=1 --out "$x"

# ---------------------------------------------------------------------------
# 2. Paths.  Experiment names are plain names; --out goes where the user
#    points (spaces, .., a symlink); the directories bnexp makes inside a run
#    are never links, so nothing lands outside it.
# ---------------------------------------------------------------------------
for name in "../fig1" "fig1/../fig1" "fig 1" ".fig1" "FIG1" "/tmp/fig1" "-fig1" "fig1..x"; do
    expect_fail "experiment name '$name' refused" "experiment name '.*' must be 1 to 63 lowercase letters, digits, '-', '_' or '.'" \
        $BNEXP run --out "$x" -- "$name"
done
expect_fail "a name ending in .ini is an experiment file's path" "cannot read experiment file fig1.ini" $BNEXP run fig1.ini --out "$x"
expect_fail "plot: experiment name '../fig1' refused" "must be 1 to 63 lowercase" $BNEXP plot accuracy ../fig1
expect_fail "--out ''" "--out needs a directory" $BNEXP run fig1 "${short[@]}" --out ""
[ -e /baseline ] || [ -e /bn ] && fail "--out '' wrote at /"

spaced="$tmp/with space/run 1"
if out=$($BNEXP run fig1 "${short[@]}" --out "$spaced" 2>&1) && [ -f "$spaced/bn/seed-1/metrics.csv" ] &&
   [ -f "$spaced/summary.csv" ]; then ok "--out with spaces: the run is where asked"
else fail "--out with spaces" "$out"; fi
if out=$($BNEXP plot accuracy --run "$spaced" 2>&1) && [ -f "$spaced/plots/fig1-accuracy.png" ]; then
    ok "plot --run with spaces"
else fail "plot --run with spaces" "$out"; fi

mkdir -p "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$tmp/link"
if out=$($BNEXP run fig1 "${short[@]}" --variants bn --out "$tmp/link/run" 2>&1) &&
   [ -f "$tmp/elsewhere/run/bn/seed-1/metrics.csv" ]; then ok "--out through a symlink writes where it points"
else fail "--out through a symlink" "$out"; fi
if out=$($BNEXP run fig1 "${short[@]}" --variants bn --out "$tmp/a/../dotdot" 2>&1) &&
   [ -f "$tmp/dotdot/bn/seed-1/metrics.csv" ] && [ ! -e "$tmp/a/dotdot" ]; then ok "--out with '..' resolves as the path says"
else fail "--out with '..'" "$out"; fi

# A trial directory that is a link out of the run: refused, even with --force.
mkdir -p "$tmp/victim/seed-1" "$tmp/forced"
echo precious >"$tmp/victim/seed-1/metrics.csv"
ln -s "$tmp/victim" "$tmp/forced/bn"
expect_fail "a trial directory that is a symlink is refused (--force)" "forced/bn is a symbolic link" \
    $BNEXP run fig1 "${short[@]}" --variants bn --force --out "$tmp/forced"
if [ "$(cat "$tmp/victim/seed-1/metrics.csv")" = precious ] && [ ! -e "$tmp/victim/seed-1/manifest.json" ]; then
    ok "nothing written or removed through the link"
else fail "nothing written or removed through the link" "$(ls -la "$tmp/victim/seed-1")"; fi

# Variant names with '/' or '..' in an experiment file.
vhome="$tmp/home-variants"
mkdir -p "$vhome/experiments"
ln -s "$PWD/datasets" "$vhome/datasets"
for v in "../escape" "a/b" "." "x y" "-x" "a..b"; do
    printf '[experiment]\nsteps = 1\n[variant.%s]\nbn = true\n' "$v" >"$vhome/experiments/bad.ini"
    expect_refused "variant name '$v' refused" "bad.ini:3: variant name '.*' must be 1 to 63 lowercase" "$x" \
        env BNEXP_HOME="$vhome" $BNEXP run bad --out "$x"
done
[ -e "$tmp/escape" ] && fail "variant '../escape' wrote outside the run"
printf '[experiment]\nlr = nan\n[variant.a]\n' >"$vhome/experiments/nanlr.ini"
expect_refused "lr = nan in an experiment file" "nanlr.ini:2: key lr: 'nan' is not a number" "$x" \
    env BNEXP_HOME="$vhome" $BNEXP run nanlr --out "$x"

# runs/NAME/latest replaced, never followed, even when it points elsewhere.
work="$tmp/work"
mkdir -p "$work/runs/fig1" "$tmp/latest-target"
ln -s "$tmp/latest-target" "$work/runs/fig1/latest"
if out=$( (cd "$work" && "$bnexp_abs" run fig1 "${short[@]}" --variants bn) 2>&1) &&
   target=$(readlink "$work/runs/fig1/latest") && [[ "$target" =~ ^[0-9]{8}-[0-9]{6}(-[0-9]+)?$ ]] &&
   [ -z "$(ls -A "$tmp/latest-target")" ]; then ok "latest: replaced by a link to the new run, its old target untouched"
else fail "latest replaced, not followed" "$out"; fi

# The charts' directory of a run is bnexp's own: a link there is refused.
run="$spaced"
cp -r "$run" "$tmp/plotlink" && rm -rf "$tmp/plotlink/plots" && mkdir -p "$tmp/plots-elsewhere"
ln -s "$tmp/plots-elsewhere" "$tmp/plotlink/plots"
expect_fail "plot: RUN/plots that is a symlink is refused" "plotlink/plots is a symbolic link" \
    $BNEXP plot accuracy --run "$tmp/plotlink"
[ -z "$(ls -A "$tmp/plots-elsewhere")" ] || fail "plot wrote through RUN/plots"
cp -r "$run" "$tmp/evilname" && rm -rf "$tmp/evilname/plots"
sed -i 's/"experiment":[[:space:]]*"fig1"/"experiment": "..\/..\/escape"/' "$tmp/evilname/bn/seed-1/manifest.json"
sed -i 's/"experiment":[[:space:]]*"fig1"/"experiment": "..\/..\/escape"/' "$tmp/evilname/baseline/seed-1/manifest.json"
expect_fail "plot: a manifest's experiment name with '..' is not used in a file name" \
    "names the experiment '../../escape', which is not a plain name" $BNEXP plot accuracy --run "$tmp/evilname"
[ -e "$tmp/escape-accuracy.png" ] && fail "plot wrote outside the run"

# ---------------------------------------------------------------------------
# 3. Writes that fail: the trial stops with a message naming the file, the
#    run exits non-zero, and every CSV left ends with a complete row.
# ---------------------------------------------------------------------------
# write_failure NAME DIR PATTERN WRAPPER...: a long fig1 run into DIR, run
# through WRAPPER (which makes its writes fail), exits non-zero with a
# message matching PATTERN, and every CSV it left ends with a complete row
# and parses.
write_failure() {
    local name=$1 dir=$2 pattern=$3; shift 3
    local out rc csvs bad
    out=$("$@" $BNEXP run fig1 --seed 1 --set steps=2000 --set eval_every=100 --set checkpoint_every=0 \
          --out "$dir" 2>&1); rc=$?
    if [ $rc -ne 0 ] && grep -Eq "$pattern" <<<"$out"; then ok "$name: exit $rc, the file named"
    else fail "$name: a non-zero exit naming the file" "$out"; fi
    csvs=$(find "$dir" -name '*.csv' | sort)
    if [ -n "$csvs" ] && bad=$(csv_whole $csvs); then
        ok "$name: $(wc -l <<<"$csvs") CSVs, each ending with a complete row, all parse"
    else fail "$name: CSVs whole" "$bad"; fi
}
lim="$tmp/ulimit"
write_failure "ulimit -f 40" "$lim" \
    "seed-1 failed: cannot write $lim/(baseline|bn)/seed-1/[a-z]+\.csv: File too large" \
    bash -c 'ulimit -f 40; trap "" XFSZ; exec "$@"' _
if [ "$(tail -n +2 "$lim/summary.csv" | cut -d, -f1,3 | tr '\n' ' ')" = "baseline,failed bn,failed " ] &&
   grep -q '"status":[[:space:]]*"failed"' "$lim/bn/seed-1/manifest.json" &&
   grep -q 'File too large' "$lim/bn/seed-1/manifest.json"; then
    ok "ulimit -f 40: summary.csv and manifest.json say failed, and why"
else fail "ulimit -f 40: summary and manifest" "$(cat "$lim/summary.csv")"; fi
if [ "$(tail -n 1 "$lim/bn/seed-1/metrics.csv" | cut -d, -f1)" -ge 100 ] 2>/dev/null; then
    ok "ulimit -f 40: the records before the failure are kept"
else fail "ulimit -f 40: records kept" "$(cat "$lim/bn/seed-1/metrics.csv")"; fi

# A full and a read-only file system: small tmpfs mounts (root only; the
# checks are skipped, and say so, where mount is not allowed).
# mount_tmpfs DIR SIZE: mount a tmpfs of SIZE at DIR, unmounted at exit.
mount_tmpfs() {
    mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null && mounts+=("$1")
}
mnt="$tmp/full"
if mount_tmpfs "$mnt" 64k; then
    write_failure "full disk (64k tmpfs)" "$mnt/run" \
        "cannot (write|create) $mnt/run/.*: No space left on device" env
else
    skip "full disk: cannot mount a tmpfs here (not root?)"
fi
# The disk filled by another program while the run writes: the trial stops
# naming the file, its last checkpoint and records kept; once space is
# freed, --resume finishes with the CSVs of a run that never met the fault.
long=(fig1 --seed 1 --variants bn --set steps=3000 --set eval_every=100 --set checkpoint_every=300)
fill="$tmp/fill"
if mount_tmpfs "$fill" 32m; then
    $BNEXP run "${long[@]}" --out "$tmp/fill-ref" >/dev/null 2>&1 || fail "full disk mid-run: the reference run"
    $BNEXP run "${long[@]}" --out "$fill/run" >"$tmp/fill.out" 2>&1 &
    pid=$!
    for _ in $(seq 1200); do [ -s "$fill/run/bn/seed-1/checkpoint.bin" ] && break; sleep 0.05; done
    if [ -s "$fill/run/bn/seed-1/checkpoint.bin" ]; then
        dd if=/dev/zero of="$fill/filler" bs=64k 2>/dev/null # until the disk is full
        wait $pid
        rc=$?
    else # no checkpoint in 60 s: a machine too loaded to time the fault
        kill $pid; wait $pid; rc=skip
    fi
    kept=$(tail -n 1 "$fill/run/bn/seed-1/metrics.csv" | cut -d, -f1)
    if [ "$rc" = skip ]; then
        skip "full disk mid-run: no checkpoint after 60 s, the disk was not filled"
    elif [ $rc -ne 0 ] && grep -Eq "cannot (write|create) $fill/run/.*: No space left on device" "$tmp/fill.out" &&
       [ -s "$fill/run/bn/seed-1/checkpoint.bin" ] && [ "${kept:-0}" -ge 100 ] 2>/dev/null; then
        ok "full disk mid-run: exit $rc naming the file; the checkpoint and the records to step $kept kept"
    else fail "full disk mid-run: the message and what is kept" "exit $rc $(cat "$tmp/fill.out")"; fi
    rm -f "$fill/filler"
    if [ "$rc" = skip ]; then :
    elif out=$($BNEXP run fig1 --resume "$fill/run" 2>&1) && d=$(same_run_csvs "$tmp/fill-ref" "$fill/run") &&
       [ -z "$(find "$fill/run" -name '*.tmp.*')" ]; then
        ok "full disk mid-run: --resume once space is freed gives the uninterrupted run's CSVs, no temporary left"
    else fail "full disk mid-run: resume" "$out ${d:-} $(find "$fill/run" -name '*.tmp.*')"; fi
else
    skip "full disk mid-run: cannot mount a tmpfs here (not root?)"
fi
ro="$tmp/ro"
if mount_tmpfs "$ro" 16m; then
    cp -r "$run" "$ro/run" && rm -f "$ro/run/report.md" "$ro/run/curves.csv" && rm -rf "$ro/run/plots"
    if mount -o remount,ro "$ro" 2>/dev/null; then
        expect_fail "read-only file system: run" "cannot create directory $ro/new: Read-only file system" \
            $BNEXP run fig1 "${short[@]}" --out "$ro/new"
        out=$($BNEXP report --run "$ro/run" 2>&1); rc=$?
        if [ $rc -ne 0 ] && grep -q "report.md): Read-only file system" <<<"$out" && ! grep -q '^| bn ' <<<"$out"; then
            ok "read-only file system: report exits $rc naming report.md, prints no table"
        else fail "read-only file system: report" "$out"; fi
        expect_fail "read-only file system: plot" "curves.csv\): Read-only file system" \
            $BNEXP plot accuracy --run "$ro/run"
    else
        skip "read-only file system: cannot remount read-only"
    fi
else
    skip "read-only file system: cannot mount a tmpfs here (not root?)"
fi
# A run directory the user may not write (its files another user's, mode
# 0555/0444), as an unprivileged user: root ignores permission bits, so
# the checks run as nobody (setpriv), where this is root and nobody can
# reach the binary and the checkout.
perm="$tmp/perm"
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env env HOME=/nonexistent)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
   "${as_nobody[@]}" "$bnexp_abs" --help >/dev/null 2>&1 && "${as_nobody[@]}" test -r "$PWD/datasets"; then
    $BNEXP run fig1 "${short[@]}" --set steps=40 --set checkpoint_every=10 --out "$perm/run" >/dev/null 2>&1 ||
        fail "read-only run directory: its run"
    cp -r "$perm/run" "$perm/done"
    rm -f "$perm/run/summary.csv" "$perm/run/bn/seed-1/manifest.json"   # as if interrupted
    chmod 755 "$tmp" "$perm"
    chmod -R a-w,a+rX "$perm/run" "$perm/done"
    before=$(cd "$perm" && find . -type f -exec sha256sum {} + | sort)
    out=$(cd /tmp && "${as_nobody[@]}" "$bnexp_abs" run fig1 --resume "$perm/run" 2>&1); rc=$?
    if [ $rc -ne 0 ] && grep -q "run: --resume $perm/run: cannot write there (Permission denied); nothing was run" <<<"$out"; then
        ok "read-only run directory (as nobody): run --resume exits $rc, naming the path"
    else fail "read-only run directory: run --resume (exit $rc)" "$out"; fi
    out=$(cd /tmp && "${as_nobody[@]}" "$bnexp_abs" report --run "$perm/done" 2>&1); rc=$?
    if [ $rc -ne 0 ] && grep -q "$perm/done.*: Permission denied" <<<"$out"; then
        ok "read-only run directory (as nobody): report exits $rc, naming the path"
    else fail "read-only run directory: report (exit $rc)" "$out"; fi
    expect_fail "read-only run directory (as nobody): plot" "$perm/done.*: Permission denied" \
        "${as_nobody[@]}" "$bnexp_abs" plot accuracy --run "$perm/done"
    expect_fail "read-only parent (as nobody): run --out refused" "cannot create directory $perm/run/new: Permission denied" \
        "${as_nobody[@]}" BNEXP_HOME="$PWD" "$bnexp_abs" run fig1 "${short[@]}" --out "$perm/run/new"
    after=$(cd "$perm" && find . -type f -exec sha256sum {} + | sort)
    [ "$before" = "$after" ] && [ -z "$(find "$perm" -name '*.tmp.*')" ] &&
        ok "read-only run directory (as nobody): every file as it was" || fail "read-only run directory: files changed"
    chmod -R u+w "$perm"
    chmod 700 "$tmp"
else
    skip "read-only run directory as an unprivileged user: needs root, setpriv, and nobody able to reach $bnexp_abs and datasets/"
fi

# ---------------------------------------------------------------------------
# 4. plot and report on runs with missing, empty, header-only, cut or
#    column-less CSVs: they say which file and what was expected, exit
#    non-zero, and draw or write nothing.
# ---------------------------------------------------------------------------
# damaged NAME: a fresh copy of the run, without charts or report.
damaged() {
    local d="$tmp/damaged-$1"
    rm -rf "$d" && cp -r "$run" "$d" && rm -rf "$d/plots" "$d/report.md" "$d/curves.csv"
    echo "$d"
}
# refuse_all NAME PATTERN DIR CHARTS...: each chart and the report fail
# with PATTERN, and no chart or report.md appears.
refuse_all() {
    local name=$1 pattern=$2 d=$3; shift 3
    for what in "$@"; do
        if [ "$what" = report ]; then
            expect_fail "report, $name" "$pattern" $BNEXP report --run "$d"
        else
            expect_fail "plot $what, $name" "$pattern" $BNEXP plot "$what" --run "$d"
        fi
    done
    if [ -n "$(find "$d" -name '*.png' -o -name report.md)" ]; then
        fail "$name: a chart or report was written" "$(find "$d" -name '*.png' -o -name report.md)"
    fi
}
m=bn/seed-1/metrics.csv a=bn/seed-1/activations.csv

d=$(damaged missing); rm "$d/$m"
refuse_all "metrics.csv missing" "bn/seed-1/metrics.csv is missing, but the trial ended \(status done" "$d" accuracy loss activations
expect_fail "report, metrics.csv missing" "trial bn seed 1: cannot open .*$m: No such file" $BNEXP report --run "$d"
d=$(damaged gone); rm -r "$d/bn/seed-1"
refuse_all "a trial directory gone" "summary.csv:[0-9]+ lists bn seed 1 as done, but .*$m has no records or is missing" "$d" accuracy activations
d=$(damaged empty); : >"$d/$m"
refuse_all "metrics.csv empty" "$m is empty \(expected a header row and records\)" "$d" accuracy loss activations report
d=$(damaged header); head -n 1 "$run/$m" >"$d/$m"
refuse_all "metrics.csv header only" "$m has only a header row \(expected a record at step 0" "$d" accuracy loss activations report
d=$(damaged cut); truncate -s -4 "$d/$m"
refuse_all "metrics.csv cut mid-row" "$m:[0-9]+: the last line ends without a line break: the file was cut short mid-row" "$d" accuracy loss activations report
d=$(damaged column); cut -d, -f1-6,8 "$run/$m" >"$d/$m"
refuse_all "metrics.csv without test_accuracy" "$m has no column 'test_accuracy' in its header row" "$d" accuracy loss activations report
d=$(damaged number); sed -i '3s/^10,/ten,/' "$d/$m"
refuse_all "metrics.csv with a step that is not a number" "$m:3: column step: 'ten' is not a number" "$d" accuracy report

d=$(damaged act-missing); rm "$d/$a"
refuse_all "activations.csv missing" "cannot open .*$a: No such file or directory" "$d" activations
d=$(damaged act-empty); : >"$d/$a"
refuse_all "activations.csv empty" "$a is empty" "$d" activations
d=$(damaged act-header); head -n 1 "$run/$a" >"$d/$a"
refuse_all "activations.csv header only" "$a has only a header row \(expected the probes' rows" "$d" activations
d=$(damaged act-cut); truncate -s -3 "$d/$a"
refuse_all "activations.csv cut mid-row" "$a:[0-9]+: the last line ends without a line break" "$d" activations
d=$(damaged act-column); cut -d, -f1-4,6- "$run/$a" >"$d/$a"
refuse_all "activations.csv without p50" "$a has no column 'p50' in its header row" "$d" activations
d=$(damaged act-number); sed -i '2s/^\([^,]*,[^,]*,[^,]*\),[^,]*/\1,abc/' "$d/$a"
refuse_all "activations.csv with a percentile that is not a number" "$a:2: column p15: 'abc' is not a number" "$d" activations

d=$(damaged summary-cut); truncate -s -5 "$d/summary.csv"
refuse_all "summary.csv cut mid-row" "summary.csv:3: the last line ends without a line break" "$d" accuracy activations report
d=$(damaged summary-column); cut -d, -f2- "$run/summary.csv" >"$d/summary.csv"
refuse_all "summary.csv without variant" "summary.csv has no column 'variant'" "$d" accuracy report

# Standard output that cannot be written (a full device): an error, not 0.
expect_fail "report > /dev/full" "wrote .*report.md, but could not print it: No space left on device" \
    bash -c '"$@" >/dev/full' _ $BNEXP report --run "$run"
expect_fail "plot > /dev/full" "could not print its name: No space left on device" \
    bash -c '"$@" >/dev/full' _ $BNEXP plot accuracy --run "$run"

# The undamaged run still plots and reports.
if $BNEXP plot activations --run "$run" >/dev/null 2>&1 && $BNEXP report --run "$run" >/dev/null 2>&1; then
    ok "the undamaged run plots and reports"
else fail "the undamaged run plots and reports"; fi

# Hostile names (issue 26, item 5): run directories whose names hold
# spaces, both quotes, $(...), backticks, ';' and a leading '-' work through
# run, plot and report, locally and with GNU parallel, and nothing in them
# is executed (each would create a file named pwned*); a newline, which the
# run's own files cannot hold, is refused.
hn="$tmp/names"
mkdir -p "$hn"
names=("a b" "q'uote" 'd"q' '$(touch pwned1)' '`touch pwned2`' ';touch pwned3' '-dash')
bad=""
for name in "${names[@]}"; do
    (cd "$hn" && $bnexp_abs run fig1 --set steps=20 --set eval_every=10 --seed 1 --out "./$name" &&
     $bnexp_abs plot accuracy --run "./$name" && $bnexp_abs report --run "./$name") >/dev/null 2>&1 &&
        [ -s "$hn/$name/plots/fig1-accuracy.png" ] && [ -s "$hn/$name/index.html" ] || bad+=" [$name]"
done
if command -v parallel >/dev/null; then
    pname='par $(touch pwned4)`touch pwned5`;q'"'"'"'
    (cd "$hn" && $bnexp_abs run fig1 --set steps=20 --set eval_every=10 --seeds 2 --jobs 2 \
        --launcher parallel --out "./$pname") >/dev/null 2>&1 &&
        [ "$(grep -c ',done,' "$hn/$pname/summary.csv")" = 4 ] || bad+=" [parallel: $pname]"
else
    skip "hostile names through GNU parallel: parallel is not installed"
fi
pwned=$(cd "$hn" && ls -d pwned* 2>/dev/null; ls -d /pwned* "$PWD"/pwned* 2>/dev/null)
if [ -z "$bad" ] && [ -z "$pwned" ]; then
    ok "run, plot and report (and GNU parallel) in directories named with spaces, quotes, \$(...), backticks, ';' and '-': they work, nothing is executed"
else fail "hostile directory names" "failed:$bad; executed: $pwned"; fi
expect_exit "a newline in --out is refused, naming it" 2 "the path has a newline after" \
    $BNEXP run fig1 --set steps=10 --out "$hn/new
line"
if [ -z "$(cd "$hn" && ls -d new* 2>/dev/null)" ]; then ok "the refused newline path created nothing"
else fail "the refused newline path created $(cd "$hn" && ls -d new*)"; fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
