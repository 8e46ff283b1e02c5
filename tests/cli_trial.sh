#!/usr/bin/env bash
# CLI tests of `bnexp trial`, `bnexp collect` and `bnexp status` on real
# MNIST, with no launcher but the shell: every trial of a plan run by hand,
# in any order, then collected, gives the local launcher's CSVs byte for
# byte (wall_time_s aside); collect is idempotent; a finished trial is not
# run again; a locked one is running.  Then the refusals, each writing
# nothing: a trial index out of range, a plan of another format version, a
# run without a plan, two collects at once, a node with other data than
# the plan's, no sbatch on PATH, launcher options without their launcher.
# (GNU parallel and Slurm themselves: tests/cluster.sh.)  Ends with "N
# passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
BNEXP=${BNEXP:-./bnexp}
bnexp=$(cd "$(dirname "$BNEXP")" && pwd)/$(basename "$BNEXP")
tmp=$(mktemp -d /tmp/bnexp-cluster.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. tests/checks.sh

# 2 variants x 2 seeds of a small fig1
args=(fig1 --set steps=200 --set eval_every=50 --set hidden_units=16 --seeds 2)


# --- the reference: the local launcher ---
if out=$("$bnexp" run "${args[@]}" --jobs 1 --out "$tmp/local" 2>&1) &&
   [ "$(grep -c ',done,200,' "$tmp/local/summary.csv")" = 4 ]; then ok "reference run, local launcher"
else fail "reference run" "$out"; echo "$passed passed, $failed failed"; exit 1; fi
if grep -q '"kernel":' "$tmp/local/bn/seed-1/manifest.json" && grep -q '"cpu_model":' "$tmp/local/bn/seed-1/manifest.json"
then ok "manifest records the kernel build and CPU model"
else fail "manifest records the machine" "$(cat "$tmp/local/bn/seed-1/manifest.json")"; fi

# --- bnexp trial and collect by hand: the same files ---
mkdir -p "$tmp/byhand"
cp "$tmp/local/plan.json" "$tmp/local/experiment.ini" "$tmp/byhand/"
for i in 3 1 0 2; do "$bnexp" trial "$tmp/byhand" "$i" >"$tmp/byhand.out" 2>&1 || fail "bnexp trial $i" "$(cat "$tmp/byhand.out")"; done
if out=$("$bnexp" collect --run "$tmp/byhand" 2>&1) && d=$(same_run_csvs "$tmp/local" "$tmp/byhand"); then
    ok "bnexp trial RUN i for each i, in any order, then collect: the local launcher's CSVs"
else fail "trials by hand and collect" "$out $d"; fi
sum=$(md5sum <"$tmp/byhand/summary.csv")
if "$bnexp" collect --run "$tmp/byhand" >/dev/null 2>&1 && [ "$(md5sum <"$tmp/byhand/summary.csv")" = "$sum" ]; then
    ok "collect is idempotent"
else fail "collect is idempotent"; fi
if out=$(SLURM_ARRAY_TASK_ID=2 "$bnexp" trial "$tmp/byhand" 2>&1) && grep -q "had finished before" <<<"$out"; then
    ok "trial takes SLURM_ARRAY_TASK_ID, and does not run a finished trial again"
else fail "trial from SLURM_ARRAY_TASK_ID" "$out"; fi

# --- refusals that need no cluster ---
expect_exit "trial: an index out of range" 2 "INDEX 4 is out of range: the plan of .* has 4 trial(s), 0 to 3" \
    "$bnexp" trial "$tmp/byhand" 4
expect_exit "trial: SLURM_ARRAY_TASK_ID out of range" 2 "SLURM_ARRAY_TASK_ID 7 is out of range" \
    env SLURM_ARRAY_TASK_ID=7 "$bnexp" trial "$tmp/byhand"
expect_exit "trial: no index" 2 "which trial" env -u SLURM_ARRAY_TASK_ID "$bnexp" trial "$tmp/byhand"
mkdir -p "$tmp/noplan"
expect_exit "trial: a run without a plan" 1 "has no plan.json: not a run directory" "$bnexp" trial "$tmp/noplan" 0
expect_exit "collect: a run without a plan" 1 "has no plan.json" "$bnexp" collect --run "$tmp/noplan"
expect_exit "status: a run without a plan" 1 "has no plan.json" "$bnexp" status --run "$tmp/noplan"
mkdir -p "$tmp/v2"
sed 's/"version":\t1,/"version":\t2,/' "$tmp/local/plan.json" >"$tmp/v2/plan.json"
expect_exit "trial: a plan of another format version" 1 "version" "$bnexp" trial "$tmp/v2" 0
expect_exit "collect: a plan of another format version" 1 "version" "$bnexp" collect --run "$tmp/v2"
[ -z "$(ls "$tmp/v2" | grep -v plan.json)" ] && ok "refused plans: nothing written" || fail "refused plans: nothing written" "$(ls -R "$tmp/v2")"
mkdir -p "$tmp/otherdata"
cp "$tmp/local/plan.json" "$tmp/otherdata/"
sed -i '0,/"sha256":\t"[0-9a-f]*"/s//"sha256":\t"'"$(printf '0%.0s' $(seq 64))"'"/' "$tmp/otherdata/plan.json"
expect_exit "trial: a node whose dataset differs from the plan's" 1 "dataset mnist on .* is not the one the run was planned with" \
    "$bnexp" trial "$tmp/otherdata" 0
[ -z "$(ls "$tmp/otherdata" | grep -v plan.json)" ] && ok "trial on other data: nothing written" || fail "trial on other data wrote" "$(ls -R "$tmp/otherdata")"
(flock "$tmp/byhand/.collect.lock" sleep 3) &
holder=$!
sleep 0.5
sum=$(md5sum <"$tmp/byhand/summary.csv")
expect_exit "two collects at once: the second is refused" 1 "another collect is writing" "$bnexp" collect --run "$tmp/byhand"
wait $holder
[ "$(md5sum <"$tmp/byhand/summary.csv")" = "$sum" ] && ok "refused collect left summary.csv as it was" || fail "refused collect changed summary.csv"
(flock "$tmp/byhand/bn/seed-1/.lock" sleep 3) &
holder=$!
sleep 0.5
expect_exit "trial: one that another process runs is refused" 1 "being run by another process" "$bnexp" trial "$tmp/byhand" 2
if out=$("$bnexp" status --run "$tmp/byhand" 2>&1) && grep -q "^ *2  bn  *1  running" <<<"$out"; then
    ok "status: a trial whose lock is held is running"
else fail "status shows running" "$out"; fi
wait $holder
mkdir -p "$tmp/nopath"
expect_exit "slurm: no sbatch on PATH" 1 "sbatch is not on PATH" env PATH=/nonexistent "$bnexp" run "${args[@]}" --launcher slurm --out "$tmp/nopath/run"
[ ! -e "$tmp/nopath/run" ] && ok "no sbatch: nothing created" || fail "no sbatch: nothing created" "$(ls -R "$tmp/nopath")"
expect_exit "--sshlogin without --launcher parallel" 2 "goes with --launcher parallel" "$bnexp" run "${args[@]}" --sshlogin 2/:
expect_exit "--wait without --launcher slurm" 2 "go with --launcher slurm" "$bnexp" run "${args[@]}" --wait
expect_exit "an unknown launcher" 2 "expected local, parallel or slurm" "$bnexp" run "${args[@]}" --launcher pbs

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
