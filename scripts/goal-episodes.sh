#!/bin/bash
# Per run of a MountainCar sweep folder: how many training episodes reached the goal, and
# the environment step at which the first one did (docs/reproduction.md). In both
# MountainCar tasks an episode terminates only at the goal: a goal episode is one whose
# `episode/terminated` in the run's metrics.csv is 1, or, for runs logged before that
# metric existed, one whose `episode/length` is below the 999-step time limit.
# Usage: bash scripts/goal-episodes.sh SWEEP_FOLDER > goal-episodes.csv
set -euo pipefail
folder=${1:?usage: bash scripts/goal-episodes.sh SWEEP_FOLDER}
[ -d "$folder/runs" ] || { echo "goal-episodes: $folder has no runs/ folder (expected a sweep folder)" >&2; exit 2; }
value() { sed -n "s/^ *\"$1\" *: *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$2" | head -n 1; }
echo "run,environment,policy,components,estimator,seed,state,training_episodes,goal_episodes,first_goal_step"
for run in "$folder"/runs/*/; do
  run=${run%/}
  [ -f "$run/config.json" ] || continue
  state=$(grep -o '"state" *: *"[a-z]*"' "$run/status.json" 2>/dev/null | sed 's/.*"\([a-z]*\)"$/\1/' || true)
  counts=$(awk -F, '$3 == "episode" && $4 == "length" { n++; if ($5 < 999) { g++; if (first == "") first = $1 } }
                    $3 == "episode" && $4 == "terminated" { t = 1; if ($5 == 1) { tg++; if (tfirst == "") tfirst = $1 } }
                    END { if (t) { g = tg; first = tfirst }; printf "%d,%d,%s", n, g, first }' "$run/metrics.csv" 2>/dev/null || echo "0,0,")
  echo "$(basename "$run"),$(value environment "$run/config.json"),$(value policy "$run/config.json"),$(value components "$run/config.json"),$(value estimator "$run/config.json"),$(value seed "$run/config.json"),${state:-running},$counts"
done | sort -t, -k2,2 -k3,3 -k4,4n -k5,5 -k6,6n
