import Foundation
import MixSweeps

/// A test double of `mixrl train` with the same command line and run-folder contract
/// (docs/run-folder.md), written in bash so the pool can be tested before SAC exists.
///
/// Each step sleeps `FAKE_STEP_SECONDS` (default 0.01). It evaluates every `eval_every`
/// steps with a return that depends only on the configuration and the step, checkpoints
/// every `checkpoint_every` steps and on SIGTERM (then exits 143), truncates its logs to
/// the checkpoint when resuming, and appends `start|resume|finish|fail|interrupt ID STEP`
/// lines to `FAKE_LEDGER`. Seeds listed in `FAKE_FAIL_SEEDS` always fail at step 2; seeds in
/// `FAKE_FLAKY_SEEDS` fail once (marker files in `FAKE_STATE`). While the file `FAKE_HOLD`
/// exists, a run waits after its first step (until the file goes or a signal comes), so
/// that a test can interrupt runs at a known point however loaded the machine is.
enum FakeTrain {
    static let script = #"""
    #!/bin/bash
    set -u
    term=0
    trap 'term=1' TERM INT
    [ "${1:-}" = train ] || { echo "fake-train: expected 'train'" >&2; exit 2; }
    shift
    mode=start; config=""; out=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --config) config=$2; shift 2;;
        --out) out=$2; shift 2;;
        --resume) out=$2; mode=resume; shift 2;;
        *) echo "fake-train: unknown argument $1" >&2; exit 2;;
      esac
    done
    id=$(basename "$out")
    ledger=${FAKE_LEDGER:-/dev/null}
    if [ "$mode" = start ]; then
      [ -e "$out/config.json" ] && { echo "fake-train: $out already holds a run" >&2; exit 1; }
      mkdir -p "$out/checkpoints"
      cp "$config" "$out/config.json"
      echo "step,wall_seconds,kind,name,value" > "$out/metrics.csv"
      echo "step,episodes,return_mean,return_std,success_rate" > "$out/eval.csv"
      step=0
    else
      [ -f "$out/checkpoints/latest.ckpt" ] || { echo "fake-train: no checkpoint in $out" >&2; exit 1; }
      step=$(cat "$out/checkpoints/latest.ckpt")
      for f in eval.csv metrics.csv; do
        awk -F, -v s="$step" 'NR == 1 || $1 <= s' "$out/$f" > "$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f"
      done
      rm -f "$out/status.json"
    fi
    echo "$mode $id $step" >> "$ledger"
    json=$(tr -d ' \n' < "$out/config.json")
    get() { echo "$json" | grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2 | tr -d '"'; }
    steps=$(get steps); seed=$(get seed); every=$(get eval_every); ckpt=$(get checkpoint_every); k=$(get components)
    checkpoint() { echo "$step" > "$out/checkpoints/latest.ckpt.tmp" && mv "$out/checkpoints/latest.ckpt.tmp" "$out/checkpoints/latest.ckpt"; }
    status() { echo "$1" > "$out/status.json.tmp" && mv "$out/status.json.tmp" "$out/status.json"; }
    while [ "$step" -lt "$steps" ]; do
      sleep "${FAKE_STEP_SECONDS:-0.01}"
      step=$((step + 1))
      echo "$step,$step.0,train,loss,0.5" >> "$out/metrics.csv"
      case " ${FAKE_FAIL_SEEDS:-} " in *" $seed "*)
        if [ "$step" -ge 2 ]; then
          status "{\"state\":\"failed\",\"step\":$step,\"error\":\"fake failure at step $step (seed $seed)\"}"
          echo "fail $id $step" >> "$ledger"; echo "fake-train: diverged at step $step" >&2; exit 1
        fi;;
      esac
      case " ${FAKE_FLAKY_SEEDS:-} " in *" $seed "*)
        if [ "$step" -ge 2 ] && [ ! -e "${FAKE_STATE:-/tmp}/flaky-$id" ]; then
          touch "${FAKE_STATE:-/tmp}/flaky-$id"
          echo "fail $id $step" >> "$ledger"; echo "fake-train: flaky failure" >&2; exit 1
        fi;;
      esac
      if [ $((step % every)) -eq 0 ] || [ "$step" -eq "$steps" ]; then
        echo "$step,5,$((step * 10 - 1000 + seed * 7 + k * 3)),1.5," >> "$out/eval.csv"
      fi
      if [ $((step % ckpt)) -eq 0 ]; then checkpoint; fi
      while [ -n "${FAKE_HOLD:-}" ] && [ -e "${FAKE_HOLD:-}" ] && [ "$term" = 0 ]; do sleep 0.02; done
      if [ "$term" = 1 ]; then
        checkpoint
        status "{\"state\":\"interrupted\",\"step\":$step}"
        echo "interrupt $id $step" >> "$ledger"; exit 143
      fi
    done
    checkpoint
    status "{\"state\":\"finished\",\"step\":$step,\"final_return\":$((step * 10 - 1000 + seed * 7 + k * 3))}"
    echo "finish $id $step" >> "$ledger"
    exit 0
    """#

    /// Writes the script into `folder` and returns a launcher that runs it.
    static func install(in folder: URL) throws -> TrainCommandLauncher {
        let url = folder.appendingPathComponent("fake-train.sh")
        try script.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return TrainCommandLauncher(executable: url.path)
    }
}
