#!/usr/bin/env python3
"""Raw Python stepping for `mixrl bench bridge`: the reference the bridge is measured
against, in the same run, on the same environment and the same actions.

    python bench_bridge_raw.py --env gym:HalfCheetah-v5 --copies K --actions FILE [--env-import M]...

Makes the environment exactly as scripts/bridge_worker.py does, loads the actions (raw
little-endian float64, shape [n, K, action_size]), prints "ready", then answers each
line "STEPS" on stdin with the seconds that STEPS vector steps took (each vector step
steps the K copies one after the other, resetting a copy whose episode ended), timed
with perf_counter around the plain loop. For Gymnasium ids the loop calls env.step
itself; other suites go through the worker's adapter (its only extra work is
flattening, which the bridge also pays).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("MUJOCO_GL", "disable")


def main():
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    parser = argparse.ArgumentParser()
    parser.add_argument("--env", required=True)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--actions", required=True)
    parser.add_argument("--env-import", action="append", default=[])
    parser.add_argument("--metric", action="append", default=[])
    parser.add_argument("--benchmark-seed", type=int, default=0)
    args = parser.parse_args()

    import numpy as np
    import bridge_worker

    suite = bridge_worker.make_suite(args)
    copies = args.copies
    act_dim = suite.action_bounds[0].size
    actions = np.fromfile(args.actions, dtype="<f8").reshape(-1, copies, act_dim)
    count = actions.shape[0]

    if suite.name == "gym":
        envs = suite.envs
        for i, env in enumerate(envs):
            env.reset(seed=i)

        def run(steps):
            t = 0
            start = time.perf_counter()
            for s in range(steps):
                batch = actions[t]
                for i in range(copies):
                    obs, reward, terminated, truncated, info = envs[i].step(batch[i])
                    if terminated or truncated:
                        envs[i].reset()
                t = t + 1 if t + 1 < count else 0
            return time.perf_counter() - start
    else:
        for i in range(copies):
            suite.reset(i, i)

        def run(steps):
            t = 0
            start = time.perf_counter()
            for s in range(steps):
                batch = actions[t]
                for i in range(copies):
                    obs, reward, flags, info = suite.step(i, batch[i])
                    if flags:
                        suite.reset(i, None)
                t = t + 1 if t + 1 < count else 0
            return time.perf_counter() - start

    print("ready", file=out)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        print(f"{run(int(line)):.9f}", file=out)


if __name__ == "__main__":
    main()
