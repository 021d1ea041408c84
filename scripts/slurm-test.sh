#!/usr/bin/env bash
# The Slurm check of `mixrl sweep slurm` and `mixrl sweep run-one`, against a real
# single-node Slurm started on this machine:
#   1. installs slurm-wlm and munge from Debian if missing (needs root);
#   2. generates a munge key and a slurm.conf under a temporary folder (SlurmUser=root,
#      proctrack/linuxproc, task/none, select/cons_tres, one node with this machine's
#      CPUs and memory) and starts munged, slurmctld and slurmd;
#   3. writes a small sweep's sbatch script with `mixrl sweep slurm` and submits it:
#      short runs, plus one longer run that gets SIGTERM through the batch shell (as
#      `--signal=B:TERM@N` sends it before a time limit), checkpoints, is requeued and
#      resumes;
#   4. waits (with a timeout) and checks every run's folder, the requeue, and the report;
#   5. always stops the daemons and removes the folder (set KEEP=1 to keep it).
# A requeued job waits for its old credential to expire before it starts again; the
# generated slurm.conf shortens that (cred_expire=10, default 120 s) to keep the test short.
#
# Usage: bash scripts/slurm-test.sh [--fake]
#   --fake            runs use a bash test double of `mixrl train` instead of the real one
#   MIXRL=PATH        use this mixrl executable instead of building one
#   SWIFT_BUILD_FLAGS extra flags for `swift build` (e.g. "--scratch-path .build-sweep")
#   SLURM_TEST_TIMEOUT seconds to wait for the array (default 300)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FAKE=0
[ "${1:-}" = "--fake" ] && FAKE=1
TIMEOUT=${SLURM_TEST_TIMEOUT:-300}
START=$(date +%s)
say() { echo "slurm-test [$(( $(date +%s) - START ))s]: $*"; }
fail() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: it installs packages and starts system daemons"

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null
fi

# 2. The mixrl executable.
if [ -z "${MIXRL:-}" ]; then
    say "building mixrl"
    # shellcheck disable=SC2086
    swift build -c release --product mixrl ${SWIFT_BUILD_FLAGS:-} >/dev/null
    # shellcheck disable=SC2086
    MIXRL="$(swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)/mixrl"
fi
[ -x "$MIXRL" ] || fail "no mixrl executable at $MIXRL"

# 3. Configuration under a temporary folder.
WORK=$(mktemp -d /tmp/mixrl-slurm-test.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/munge"
chmod 700 "$WORK/munge"
HOST=$(hostname -s)
CPUS=$(nproc)
MEMORY=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
PIDS=()

cleanup() {
    status=$?
    set +e
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then scancel --full "${JOB:-0}" >/dev/null 2>&1; fi
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[$i]}" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$status" -ne 0 ]; then
        for log in slurmctld.log slurmd.log munged.log; do
            [ -f "$WORK/$log" ] && { echo "--- last lines of $log"; tail -n 15 "$WORK/$log"; }
        done
        for out in "$WORK"/sweep/slurm/*.out; do [ -f "$out" ] && { echo "--- $out"; tail -n 20 "$out"; }; done
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "slurm-test: kept $WORK"; else rm -rf "$WORK"; fi
    say "daemons stopped; $([ "$status" -eq 0 ] && echo PASSED || echo FAILED) in $(( $(date +%s) - START ))s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
munged --foreground --force --key-file="$WORK/munge/munge.key" --socket="$WORK/munge/munge.socket" \
    --pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/munged.seed" --log-file="$WORK/munged.log" >>"$WORK/munged.log" 2>&1 &
PIDS+=($!)

export SLURM_CONF="$WORK/slurm.conf"
cat > "$SLURM_CONF" <<EOF
ClusterName=mixrltest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.socket,cred_expire=10
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
KillWait=10
MinJobAge=600
MaxArraySize=1000
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEMORY State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

for _ in $(seq 50); do [ -S "$WORK/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$WORK/munge/munge.socket" ] || fail "munged did not start"
slurmctld -D -i -f "$SLURM_CONF" >>"$WORK/slurmctld.log" 2>&1 &
PIDS+=($!)
sleep 1
slurmd -D -f "$SLURM_CONF" -N "$HOST" >>"$WORK/slurmd.log" 2>&1 &
PIDS+=($!)

say "waiting for node $HOST ($CPUS CPUs, $MEMORY MB) to be idle"
for _ in $(seq 60); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    case "$state" in down*|drain*) scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true;; esac
    sleep 0.5
done
[ "$state" = idle ] || fail "node state is '$state', not idle"

# 4. The sweep: three short runs and one longer run, interrupted and requeued.
TRAIN_ARGS=()
if [ "$FAKE" = 1 ]; then
    cat > "$WORK/fake-train.sh" <<'EOF'
#!/bin/bash
# Test double of `mixrl train`: the same arguments and run-folder contract.
term=0; trap 'term=1' TERM INT
shift; out=""; config=""; mode=start
while [ $# -gt 0 ]; do case "$1" in --config) config=$2; shift 2;; --out) out=$2; shift 2;; --resume) out=$2; mode=resume; shift 2;; *) exit 2;; esac; done
if [ "$mode" = start ]; then
    mkdir -p "$out/checkpoints"; cp "$config" "$out/config.json"; step=0
    echo "step,episodes,return_mean,return_std,success_rate" > "$out/eval.csv"
    echo "step,wall_seconds,kind,name,value" > "$out/metrics.csv"
else
    step=$(cat "$out/checkpoints/latest.ckpt")
fi
steps=$(tr -d ' \n' < "$out/config.json" | grep -o '"steps":[0-9]*' | cut -d: -f2)
while [ "$step" -lt "$steps" ]; do
    sleep 0.02; step=$((step + 1))
    echo "$step,0,train,loss,0" >> "$out/metrics.csv"
    [ $((step % 50)) -eq 0 ] && echo "$step,1,$step,0," >> "$out/eval.csv"
    if [ "$term" = 1 ]; then
        echo "$step" > "$out/checkpoints/latest.ckpt"
        echo "{\"state\":\"interrupted\",\"step\":$step}" > "$out/status.json"; exit 143
    fi
done
echo "$step" > "$out/checkpoints/latest.ckpt"
echo "{\"state\":\"finished\",\"step\":$step,\"final_return\":$step}" > "$out/status.json"
EOF
    chmod +x "$WORK/fake-train.sh"
    TRAIN_ARGS=(--train-command "$WORK/fake-train.sh")
    LONG_STEPS=400
else
    LONG_STEPS=4000
fi

cat > "$WORK/spec.toml" <<EOF
[sweep]
name = "slurmtest"
out = "$WORK/sweep"

[grid]
environment = "BimodalBandit-v0"
policy = "mixture"
components = 2
estimator = "mrp"
random_steps = 50
batch_size = 32
hidden_sizes = [32, 32]
eval_episodes = 5

[[grid.variant]]
seeds = [0, 1, 2]
steps = 200
eval_every = 50
checkpoint_every = 100

[[grid.variant]]
seed = 3
steps = $LONG_STEPS
eval_every = 500
checkpoint_every = 500

[slurm]
time = "00:10:00"
memory = "500M"
array_limit = 2
EOF

cd "$WORK"
"$MIXRL" sweep plan spec.toml
"$MIXRL" sweep slurm spec.toml "${TRAIN_ARGS[@]}"
SCRIPT="$WORK/sweep/slurm/slurmtest.sbatch"
grep -q -- "--signal=B:TERM@120" "$SCRIPT" || fail "the script lacks the early-warning signal"
JOB=$(sbatch --parsable "$SCRIPT")
say "submitted array job $JOB"

# The longer run (index 3) gets SIGTERM in its batch shell once it has made progress.
LONG_ID=$(python3 -c "import json; print(json.load(open('$WORK/sweep/plan.json'))['plan']['runs'][3]['id'])" 2>/dev/null \
    || grep -o '"id" : "[0-9a-f]*"' "$WORK/sweep/plan.json" | sed -n 4p | cut -d'"' -f4)
for _ in $(seq $((TIMEOUT * 5))); do
    if [ -f "$WORK/sweep/runs/$LONG_ID/metrics.csv" ] && [ "$(wc -l < "$WORK/sweep/runs/$LONG_ID/metrics.csv")" -gt 20 ]; then break; fi
    sleep 0.2
done
[ -f "$WORK/sweep/runs/$LONG_ID/metrics.csv" ] || fail "run 3 ($LONG_ID) never started"
say "sending SIGTERM to the batch shell of ${JOB}_3 (as --signal=B:TERM does before a time limit)"
scancel --batch --signal=TERM "${JOB}_3"

# Wait for the whole array, requeued task included.
deadline=$(( $(date +%s) + TIMEOUT ))
while [ -n "$(squeue -h -j "$JOB" 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { squeue -j "$JOB"; fail "the array did not finish within ${TIMEOUT}s"; }
    sleep 1
done
say "array $JOB done"

# 5. Every run finished; run 3 was interrupted, requeued and resumed.
for id in $(grep -o '"id" : "[0-9a-f]*"' "$WORK/sweep/plan.json" | cut -d'"' -f4); do
    status="$WORK/sweep/runs/$id/status.json"
    [ -f "$status" ] || fail "run $id has no status.json"
    grep -q '"state" *: *"finished"' "$status" || fail "run $id is not finished: $(cat "$status")"
    [ -s "$WORK/sweep/runs/$id/eval.csv" ] || fail "run $id has no eval.csv"
done
OUT3=$(ls "$WORK"/sweep/slurm/"${JOB}"_3.out)
grep -q "requeueing array task" "$OUT3" || fail "task 3 was not requeued: $(cat "$OUT3")"
grep -q "resume at" "$WORK/sweep/logs/$LONG_ID.log" || fail "run 3 did not resume from its checkpoint"
"$MIXRL" report "$WORK/sweep" >/dev/null
[ -s "$WORK/sweep/report/report.html" ] || fail "no report"
say "4 runs finished, run 3 resumed after SIGTERM and requeue, report written"
