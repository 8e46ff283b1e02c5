#!/usr/bin/env bash
# CLI tests of interrupts and resume on real MNIST: a run stopped by SIGINT
# or SIGTERM at a random moment, one whose trial process is killed outright,
# and one stopped by two Ctrl-Cs are each resumed with `bnexp run --resume`,
# and every CSV must then equal an uninterrupted run's, row for row
# (wall_time_s aside); --jobs 1 and --jobs 2 give the same CSVs; damaged or
# foreign checkpoints are refused; an Adam run (optimizer = adam,
# clip_grad_norm) killed at a checkpoint write or a row resumes the same.
# Set BNX_RESUME_SEED to replay the random moments of an earlier run.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
tmp=$(mktemp -d /tmp/bnexp-resume.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh
RANDOM=${BNX_RESUME_SEED:-$$}
echo "# random moments from BNX_RESUME_SEED=${BNX_RESUME_SEED:-$$}"

# A run long enough to be stopped mid-way: 2 trials, records every 100
# steps, checkpoints every 350 (not a multiple: resumes land between records).
# ics.csv too (its last record's samples live in the checkpoint), and
# landscape.csv (its rows fall between records).
args=(fig1 --seed 1 --set steps=2500 --set eval_every=100 --set checkpoint_every=350 --set ics=true
      --set landscape_points=2 --set landscape_every=150)

# same_csvs A B: every trial's CSVs in run dirs A and B agree (metrics.csv
# without its last column, wall_time_s).
same_csvs() {
    local a=$1 b=$2 f bad=""
    for f in "$a"/*/seed-*/*.csv; do
        local g=$b/${f#"$a"/}
        if [ "${f##*/}" = metrics.csv ]; then
            cmp -s <(cut -d, -f1-9 "$f") <(cut -d, -f1-9 "$g" 2>/dev/null) || bad+=" ${f#"$a"/}"
        else
            cmp -s "$f" "$g" || bad+=" ${f#"$a"/}"
        fi
    done
    [ -z "$bad" ] || { echo "differ:$bad"; return 1; }
}

# whole_csvs DIR [tmp-ok]: every CSV under DIR ends with a newline and each
# row has its header's number of columns (no torn last line); no temporary
# files, unless tmp-ok (a process killed by SIGKILL may leave one).
whole_csvs() {
    python3 - "$1" "${2:-}" <<'EOF'
import glob, os, sys
bad = []
for path in glob.glob(os.path.join(sys.argv[1], "**", "*.csv"), recursive=True):
    data = open(path, "rb").read()
    lines = data.decode().split("\n")
    if not data.endswith(b"\n"):
        bad.append(path + ": last line cut")
        continue
    width = lines[0].count(",")
    if any(l.count(",") != width for l in lines[1:-1]):
        bad.append(path + ": a row with the wrong number of columns")
tmps = glob.glob(os.path.join(sys.argv[1], "**", "*.tmp.*"), recursive=True)
if sys.argv[2] != "tmp-ok":
    bad += [t + ": temporary file left" for t in tmps]
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
}

# --- the reference: uninterrupted, and the same with --jobs 1 ---
if out=$($BNEXP run "${args[@]}" --jobs 2 --out "$tmp/ref" 2>&1); then ok "reference run (--jobs 2)"
else fail "reference run" "$out"; echo "$passed passed, $failed failed"; exit 1; fi
if out=$($BNEXP run "${args[@]}" --jobs 1 --out "$tmp/ref1" 2>&1) && d=$(same_csvs "$tmp/ref" "$tmp/ref1"); then
    ok "--jobs 1 and --jobs 2 write the same CSVs"
else fail "--jobs 1 and --jobs 2 write the same CSVs" "$out $d"; fi

# stop_and_resume NAME SIGNAL WANT_EXIT HOW: start the run, wait a random
# 0.2-1.5 s after both trials started, send SIGNAL to the bnexp process
# (HOW=parent), to one trial
# process (HOW=child), or twice to bnexp (HOW=twice); then resume.
stop_and_resume() {
    local name=$1 sig=$2 want=$3 how=$4 dir=$tmp/$1
    local wait_ms=$((200 + RANDOM % 1300)) # training takes about 3 s on an idle machine
    $BNEXP run "${args[@]}" --jobs 2 --out "$dir" >"$tmp/$name.out" 2>&1 &
    local pid=$!
    # Wait until both trials are training (a background job of a script
    # starts with SIGINT ignored until bnexp installs its handlers, and a
    # sanitizer build loads MNIST slowly), then a random moment more.
    local waited=0
    until [ -s "$dir/baseline/seed-1/metrics.csv" ] && [ -s "$dir/bn/seed-1/metrics.csv" ] ||
          [ $waited -ge 1200 ]; do sleep 0.1; waited=$((waited + 1)); done
    sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
    local t0=$(date +%s%N)
    case $how in
        parent) kill -"$sig" $pid ;;
        child)  kill -"$sig" "$(pgrep -P $pid | head -n 1)" ;;
        twice)  kill -"$sig" $pid; sleep 0.02; kill -"$sig" $pid ;;
    esac
    wait $pid
    local rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
    local steps
    steps=$(for m in "$dir"/*/seed-*/metrics.csv; do tail -n 1 "$m" | cut -d, -f1; done | tr '\n' ' ')
    echo "#  $name: $sig ${wait_ms} ms after training started; exit $rc in ${ms} ms; last records at steps $steps"
    if [ $rc -eq "$want" ]; then ok "$name: exit $want"
    else fail "$name: exit $rc, wanted $want" "$(tail -n 5 "$tmp/$name.out")"; fi
    if d=$(whole_csvs "$dir" "$([ "$sig" = KILL ] && echo tmp-ok)"); then ok "$name: every CSV whole"
    else fail "$name: every CSV whole" "$d"; fi
    if [ "$how" = parent ]; then
        if grep -q '"status":	"interrupted"' "$dir"/bn/seed-1/manifest.json &&
           grep -q ',interrupted,' "$dir/summary.csv"; then ok "$name: manifest and summary say interrupted"
        else fail "$name: manifest and summary say interrupted" "$(grep status "$dir"/*/seed-*/manifest.json)"; fi
        if out=$($BNEXP report --run "$dir" 2>&1) && grep -q "Unfinished run.*--resume" <<<"$out"; then
            ok "$name: report says the run is unfinished"
        else fail "$name: report says the run is unfinished" "$out"; fi
    fi
    if [ "$how" = twice ]; then
        if [ $ms -lt 3000 ]; then ok "$name: second signal exits at once (${ms} ms)"
        else fail "$name: second signal exits at once (took ${ms} ms)"; fi
    fi
    local home=""
    if [ "${5:-}" = edited-ini ]; then
        # the experiment file changes (and loses a variant) after the run
        # started: the resumed trials run the plan, not the file
        home=$tmp/home
        mkdir -p "$home/experiments"
        ln -sfn "$PWD/datasets" "$home/datasets"
        sed -e 's/^lr = 1.0/lr = 0.1/' -e '/^\[variant.bn\]/,$d' experiments/fig1.ini >"$home/experiments/fig1.ini"
    fi
    if out=$(env ${home:+BNEXP_HOME="$home"} $BNEXP run fig1 --resume "$dir" 2>&1) && d=$(same_csvs "$tmp/ref" "$dir"); then
        ok "$name: resumed CSVs equal the uninterrupted run's"
    else fail "$name: resumed CSVs equal the uninterrupted run's" "$out $d"; fi
    if d=$(whole_csvs "$dir"); then ok "$name: after resume, no temporary file"
    else fail "$name: after resume, no temporary file" "$d"; fi
    if [ "$(grep -c ',done,2500,' "$dir/summary.csv")" = 2 ]; then ok "$name: summary after resume: both done"
    else fail "$name: summary after resume" "$(cat "$dir/summary.csv")"; fi
}
stop_and_resume sigint INT 130 parent
stop_and_resume sigterm TERM 143 parent edited-ini
stop_and_resume killed KILL 1 child
stop_and_resume twice INT 130 twice

# --- resuming a finished run trains nothing and changes nothing ---
sum_before=$(cat "$tmp"/sigint/*/seed-*/*.csv | md5sum)
if out=$($BNEXP run fig1 --resume "$tmp/sigint" 2>&1) && grep -q "2 of 2 trial(s) finished before, 0 to run" <<<"$out" &&
   [ "$(cat "$tmp"/sigint/*/seed-*/*.csv | md5sum)" = "$sum_before" ]; then ok "resume of a finished run changes nothing"
else fail "resume of a finished run changes nothing" "$out"; fi

# --- optimizer = adam with clip_grad_norm: a trial killed (SIGKILL) inside
# its second checkpoint write, and one killed appending a row, resume to
# the uninterrupted run's CSVs (Adam's second moment is in the checkpoint) ---
adam=(fig1 --seed 1 --set optimizer=adam --set lr=0.001 --set clip_grad_norm=1 --set steps=600
      --set eval_every=100 --set checkpoint_every=150 --jobs 2)
if out=$($BNEXP run "${adam[@]}" --out "$tmp/adam-ref" 2>&1) &&
   [ "$(grep -c ',done,600,' "$tmp/adam-ref/summary.csv")" = 2 ]; then ok "adam: reference run"
else fail "adam: reference run" "$out"; fi
for spec in checkpoint.write:kill:2 csv.append:kill:12; do
    dir=$tmp/adam-${spec%%:*}
    if BNEXP_FAILPOINT=$spec $BNEXP run "${adam[@]}" --out "$dir" >"$tmp/adam.out" 2>&1; then
        fail "adam: killed at $spec" "$(tail -n 3 "$tmp/adam.out")"
    elif out=$($BNEXP run fig1 --resume "$dir" --jobs 2 2>&1) && d=$(same_run_csvs "$tmp/adam-ref" "$dir"); then
        ok "adam: killed at $spec, resumed: the uninterrupted run's CSVs"
    else fail "adam: killed at $spec, resumed" "$out ${d:-}"; fi
done
expect_exit "momentum with optimizer = adam is refused, naming both" 2 "momentum = 0.9 with optimizer = adam" \
    $BNEXP run fig1 --set optimizer=adam --set momentum=0.9 --dry-run

# --- refusals ---
cp -r "$tmp/ref" "$tmp/damaged"
python3 - "$tmp/damaged/bn/seed-1/checkpoint.bin" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x10
open(p, "wb").write(b)
EOF
sum_before=$(cat "$tmp"/damaged/*/seed-*/* | md5sum)
expect_exit "a damaged checkpoint is refused" 1 "damaged: checksum does not match" $BNEXP run fig1 --resume "$tmp/damaged"
if [ "$(cat "$tmp"/damaged/*/seed-*/* | md5sum)" = "$sum_before" ]; then ok "refused resume changed no file"
else fail "refused resume changed no file"; fi
cp -r "$tmp/ref" "$tmp/foreign"
sed -i 's/"steps":\t"2500"/"steps":\t"2600"/' "$tmp/foreign/plan.json"
grep -q '"steps":.*"2600"' "$tmp/foreign/plan.json" || fail "plan.json of foreign edited"
expect_exit "a checkpoint of another config is refused" 1 "another config or dataset" $BNEXP run fig1 --resume "$tmp/foreign"
cp -r "$tmp/ref" "$tmp/version"
printf '\x01' | dd of="$tmp/version/baseline/seed-1/checkpoint.bin" bs=1 seek=8 conv=notrunc 2>/dev/null
expect_exit "a checkpoint of another format version is refused" 1 "format version 1; this bnexp reads versions 2 to 7 (an older bnexp wrote it" $BNEXP run fig1 --resume "$tmp/version"
expect_exit "--resume with --set is refused" 2 "only --jobs and the launcher's options can be given" $BNEXP run fig1 --resume "$tmp/ref" --set lr=0.1
expect_exit "--resume of a directory without plan.json" 1 "has no plan.json" $BNEXP run fig1 --resume "$tmp"
cp -r "$tmp/ref" "$tmp/old"
rm "$tmp/old/plan.json"
echo '{"set": ["steps=2500"], "experiment": "fig1", "variants": "", "seeds": 0}' >"$tmp/old/run.json"
expect_exit "--resume of a run made before plan.json says how to re-run it" 1 "older bnexp.*run it again" $BNEXP run fig1 --resume "$tmp/old"
cp -r "$tmp/ref" "$tmp/otherdata"
sed -i '0,/"sha256":\t"[0-9a-f]*"/s//"sha256":\t"'"$(printf '0%.0s' $(seq 64))"'"/' "$tmp/otherdata/plan.json"
expect_exit "--resume with data other than the plan's is refused" 1 "not the one the run was planned with" $BNEXP run fig1 --resume "$tmp/otherdata"
expect_exit "--resume of a run of another experiment" 1 "is a run of fig1, not of lr-sweep" $BNEXP run lr-sweep --resume "$tmp/ref"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
