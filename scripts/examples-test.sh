#!/usr/bin/env bash
# Builds the Examples package (MixRL used as a library dependency, by path) from clean,
# runs its two programs and checks their output:
#   - the custom environment was the one trained on: its step and reset counts are
#     exactly what the trainer's loop implies for the printed configuration;
#   - the custom estimator was the one used: one actorLoss call per actor update;
#   - learning happened: both runs' final evaluation return clears a threshold;
#   - both typed errors (observation size, estimator/policy mismatch) were reported;
#   - the quickstart (the README's snippet) builds, trains and prints its final return.
# Prints each check; exits non-zero if any fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"

# Thresholds. The program trains with seed 1 and runs are deterministic, so each check
# sees one fixed number; the margins absorb numerical changes in the library. Measured
# over seeds 1-8: final returns 0.998-1.000 (MRP) and 0.9995-1.000 (antithetic). The best
# peak pays 1.0, the runner-up 0.8, uniformly random actions ~0.3 on average (the
# evaluation at step 500, before any update, gave 0.05-0.57), so 0.9 means "found the
# best peak" with margin on both sides.
min_final_return=0.9
min_best_peak_fraction=0.5   # measured 0.89-0.91 of sampled actions near the best peak
min_runner_up_fraction=0.02  # measured 0.09-0.11 near the runner-up: the mixture keeps two modes
min_quickstart_return=0.9    # measured 0.998

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rm -rf Examples/.build
t0=$(date +%s)
swift build -c release --package-path Examples
t1=$(date +%s)
bin="$(swift build -c release --package-path Examples --show-bin-path)"

"$bin/multimodal-bandit" | tee "$work/bandit.txt" || { echo "examples-test: multimodal-bandit failed"; exit 1; }
t2=$(date +%s)
# The quickstart writes ./runs/quickstart: run it in a scratch folder.
(cd "$work" && "$bin/quickstart") | tee "$work/quickstart.txt" || { echo "examples-test: quickstart failed"; exit 1; }
t3=$(date +%s)
echo "examples-test: build $((t1 - t0)) s (from clean), multimodal-bandit $((t2 - t1)) s, quickstart $((t3 - t2)) s"

failures=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, prints ok or FAIL
  local what="$1"; shift
  if "$@"; then echo "ok:   $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
# field FILE TAG KEY [TEXT]: the value of KEY=... on the first line whose first word is
# TAG (and that contains TEXT).
field() {
  awk -v tag="$2" -v key="$3" -v text="${4:-}" '
    $1 == tag && index($0, text) { for (i = 2; i <= NF; i++) if (index($i, key "=") == 1) { print substr($i, length(key) + 2); exit } }' "$1"
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }

out="$work/bandit.txt"
steps=$(field "$out" config steps)
random_steps=$(field "$out" config random_steps)
updates_per_step=$(field "$out" config updates_per_step)
policy_delay=$(field "$out" config policy_delay)
eval_every=$(field "$out" config eval_every)
eval_episodes=$(field "$out" config eval_episodes)
components=$(field "$out" config components)
for v in "$steps" "$random_steps" "$updates_per_step" "$policy_delay" "$eval_every" "$eval_episodes" "$components"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "examples-test: FAIL: no parseable 'config' line in the output"; exit 1; }
done

# Trainer.run: an evaluation every eval_every steps and one at the end (if the last step
# is not a multiple). ThreePeaks episodes are one step long, so training takes `steps`
# steps and resets once at the start plus after every step; each evaluation episode is
# one reset and one step.
if [ "$eval_every" -gt 0 ]; then
  evaluations=$((steps / eval_every + (steps % eval_every != 0 ? 1 : 0)))
else
  evaluations=1
fi
# Each evaluation runs its episodes twice: acting deterministically (eval_mode) and
# stochastically (the stochastic return column of eval.csv). The example's environment
# declares no modes, so no extra reset for mode masses.
passes=2
want_steps=$((steps + passes * evaluations * eval_episodes))
want_resets=$((steps + 1 + passes * evaluations * eval_episodes))
# Updates run after an environment step once step > random_steps (every step if
# random_steps is 0), updates_per_step each; the actor every policy_delay-th update.
updating_steps=$((random_steps > 0 ? steps - random_steps : steps))
want_calls=$((updating_steps * updates_per_step / policy_delay))

for run in mrp antithetic; do
  got_steps=$(field "$out" custom-environment steps "run=$run ")
  got_resets=$(field "$out" custom-environment resets "run=$run ")
  got_instances=$(field "$out" custom-environment instances "run=$run ")
  check "run $run: custom environment stepped $got_steps times (want $steps training + $evaluations evaluations x $eval_episodes episodes x $passes passes = $want_steps)" [ "$got_steps" = "$want_steps" ]
  check "run $run: custom environment reset $got_resets times (want $want_resets)" [ "$got_resets" = "$want_resets" ]
  check "run $run: registry made $got_instances environments (want 2: training and evaluation)" [ "$got_instances" = "2" ]
  final=$(field "$out" run final_return "name=$run ")
  check "run $run: final evaluation return $final >= $min_final_return" ge "$final" "$min_final_return"
  best=$(field "$out" peak fraction "run=$run index=2 ")
  check "run $run: fraction $best of sampled actions near the best peak >= $min_best_peak_fraction" ge "$best" "$min_best_peak_fraction"
  second=$(field "$out" peak fraction "run=$run index=0 ")
  check "run $run: fraction $second of sampled actions near the runner-up peak >= $min_runner_up_fraction (a second mode)" ge "$second" "$min_runner_up_fraction"
done

got_calls=$(field "$out" custom-estimator calls)
check "custom estimator: $got_calls actorLoss calls (want ($steps - $random_steps) x $updates_per_step / $policy_delay = $want_calls actor updates)" [ "$got_calls" = "$want_calls" ]
cost=$(field "$out" custom-estimator critic_evaluations_per_state)
check "custom estimator: $cost critic evaluations per state (want 2K = $((2 * components)))" [ "$cost" = "$((2 * components))" ]
check "typed error for an observation-size mismatch was printed" grep -q '^typed-error kind=observation-size ' "$out"
check "typed error for a mixture-only estimator with a Gaussian policy, before any step, actor loss or run folder" grep -q '^typed-error kind=estimator .* steps=0 calls=0 folder_created=false$' "$out"
check "multimodal-bandit ran to the end" grep -qx 'done' "$out"

qs=$(awk '/^final return: / { print $3 }' "$work/quickstart.txt")
check "quickstart: final return $qs >= $min_quickstart_return" ge "$qs" "$min_quickstart_return"
check "quickstart: wrote its run folder" [ -f "$work/runs/quickstart/config.json" ]

if [ "$failures" -gt 0 ]; then
  echo "examples-test: $failures check(s) failed"
  exit 1
fi
echo "examples-test: all checks passed"
