#!/usr/bin/env python3
"""Reference rollouts for the MixEnvs tests: runs environments directly in Python (no
bridge) and prints what they returned, so Swift can compare its native environments and
its bridge against them.

Reads one JSON object from stdin: {"jobs": [job, ...]}; writes {"results": [result, ...]}.

A job:
  {"kind": "classic", "id": "Pendulum-v1" | "MountainCarContinuous-v0",
   "state": [s0, s1], "actions": [[a], ...]}
      The unwrapped Gymnasium environment (no time limit), reset with seed 0, then its
      state set to `state` (as float64), then stepped with every action.
  {"kind": "gym", "id": "HalfCheetah-v5", "seed": S, "actions": [[...], ...]}
      gym.make(id), reset(seed=S), stepped until the actions run out or the episode ends.
  {"kind": "dmc", "domain": "cheetah", "task": "run", "seed": S, "actions": [...]}
      suite.load(domain, task, task_kwargs={"random": S}); observations flattened in the
      observation dict's order, as the bridge does.
  {"kind": "metaworld", "task": "reach-v3", "benchmark_seed": B, "seed": S, "actions": [...]}
      gym.make("Meta-World/MT1", env_name=task, seed=B); unwrapped.seed(S); reset().

A result: {"reset": [...], "observations": [[...], ...], "rewards": [...],
           "terminated": [...], "truncated": [...], "success": [...]}.
"""

import json
import os
import sys

os.environ.setdefault("MUJOCO_GL", "disable")

import numpy as np  # noqa: E402


def floats(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def rollout(reset_obs, step, actions):
    out = {"reset": floats(reset_obs), "observations": [], "rewards": [], "terminated": [], "truncated": [], "success": []}
    for a in actions:
        obs, reward, terminated, truncated, info = step(np.asarray(a, dtype=np.float64))
        out["observations"].append(floats(obs))
        out["rewards"].append(float(reward))
        out["terminated"].append(bool(terminated))
        out["truncated"].append(bool(truncated))
        out["success"].append(float(info.get("success", 0.0)))
        if terminated or truncated:
            break
    return out


def classic(job):
    import gymnasium as gym

    env = gym.make(job["id"]).unwrapped
    env.reset(seed=0)
    env.state = np.array(job["state"], dtype=np.float64)
    out = {"reset": [], "observations": [], "rewards": [], "terminated": [], "truncated": [], "success": []}
    for a in job["actions"]:  # no early stop: the unwrapped environment keeps going
        obs, reward, terminated, truncated, _ = env.step(np.asarray(a, dtype=np.float64))
        out["observations"].append(floats(obs))
        out["rewards"].append(float(reward))
        out["terminated"].append(bool(terminated))
        out["truncated"].append(bool(truncated))
        out["success"].append(0.0)
    return out


def gym_job(job):
    import gymnasium as gym

    for module in job.get("imports", []):
        __import__(module)
    env = gym.make(job["id"])
    obs, _ = env.reset(seed=job["seed"])
    return rollout(obs, env.step, job["actions"])


def metaworld_job(job):
    import gymnasium as gym
    import metaworld  # noqa: F401

    env = gym.make("Meta-World/MT1", env_name=job["task"], seed=job["benchmark_seed"])
    env.unwrapped.seed(job["seed"])
    obs, _ = env.reset()
    return rollout(obs, env.step, job["actions"])


def dmc_job(job):
    from dm_control import suite

    env = suite.load(job["domain"], job["task"], task_kwargs={"random": job["seed"]})

    def flat(observation):
        return np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in observation.values()])

    def step(action):
        ts = env.step(action)
        last = ts.last()
        return flat(ts.observation), ts.reward or 0.0, last and ts.discount == 0, last and ts.discount != 0, {}

    return rollout(flat(env.reset().observation), step, job["actions"])


def main():
    # Libraries may print: keep the real stdout for the JSON answer only.
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    jobs = json.load(sys.stdin)["jobs"]
    kinds = {"classic": classic, "gym": gym_job, "metaworld": metaworld_job, "dmc": dmc_job}
    results = [kinds[job["kind"]](job) for job in jobs]
    json.dump({"results": results}, answer)
    answer.close()


if __name__ == "__main__":
    main()
