#!/usr/bin/env python3
"""MixRL environment bridge worker.

Hosts one or more copies of a Python environment (Gymnasium, DeepMind Control Suite,
Meta-World) and serves them to the Swift client (Sources/MixEnvs/Bridge) over a framed
binary protocol on its stdin/stdout. The protocol is specified in docs/bridge.md; this
file and BridgeProtocol.swift are its two implementations and must change together.

    python bridge_worker.py --env gym:HalfCheetah-v5 [--copies N] [--env-import MODULE]...
                            [--metric NAME]... [--benchmark-seed S] [--allow-debug]

Anything the environment libraries print goes to stderr: the protocol owns the original
stdout descriptor, and descriptor 1 is pointed at stderr before any library is imported.
"""

import argparse
import difflib
import importlib
import json
import os
import struct
import sys
import time
import traceback

PROTOCOL_VERSION = 1
SETUP_HINT = "bash scripts/setup.sh  (or: $MIXRL_VENV/bin/pip install -r scripts/requirements.txt)"

# Frame kinds (first payload byte).
HELLO, ERROR = b"H", b"E"
RESET, RESET_REPLY = ord("R"), b"r"
STEP, STEP_REPLY = ord("S"), b"s"
QUIT = ord("Q")
DEBUG, DEBUG_REPLY = ord("D"), b"d"

TERMINATED, TRUNCATED = 1, 2


class BridgeError(Exception):
    """A failure reported to the client as an ERROR frame."""

    def __init__(self, kind, message, install=None):
        super().__init__(message)
        self.kind, self.message, self.install = kind, message, install


def did_you_mean(word, known):
    """"; did you mean 'x'?" for the known id closest to a misspelt one, or ""."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


def missing_package(exc, what=None):
    """`what`: what asked for the package, when it is not the environment itself."""
    name = getattr(exc, "name", None) or str(exc)
    source = f"{what} needs" if what else "needs"
    return BridgeError(
        "missing_package",
        f"{source} the Python package '{name}', which is not installed in {sys.prefix}",
        install=SETUP_HINT,
    )


class Channel:
    """Length-prefixed frames over two file descriptors, with one reusable read buffer."""

    def __init__(self, fd_in, fd_out):
        self.fd_in, self.fd_out = fd_in, fd_out
        self.buf = bytearray(1 << 16)
        self.start = 0
        self.end = 0

    def read_frame(self):
        """The next frame's payload as a memoryview (valid until the next call), or None at EOF."""
        while True:
            avail = self.end - self.start
            if avail >= 4:
                n = int.from_bytes(self.buf[self.start:self.start + 4], "little")
                if avail >= 4 + n:
                    begin = self.start + 4
                    self.start = begin + n
                    return memoryview(self.buf)[begin:begin + n]
                need = 4 + n
            else:
                need = 4
            if self.start > 0 and (self.start + need > len(self.buf) or self.start == self.end):
                self.buf[0:avail] = self.buf[self.start:self.end]
                self.start, self.end = 0, avail
            if need > len(self.buf):
                self.buf.extend(bytes(need - len(self.buf)))
            k = os.readv(self.fd_in, [memoryview(self.buf)[self.end:]])
            if k == 0:
                return None
            self.end += k

    def write(self, data):
        view = memoryview(data)
        while view:
            k = os.write(self.fd_out, view)
            view = view[k:]

    def send(self, kind, body=b""):
        self.write(struct.pack("<I", len(body) + 1) + kind + bytes(body))

    def send_error(self, kind, message, install=None):
        body = {"kind": kind, "message": message}
        if install:
            body["install"] = install
        self.send(ERROR, json.dumps(body).encode())


def box_bounds(space, what):
    import numpy as np

    low = getattr(space, "low", None)
    high = getattr(space, "high", None)
    if low is None or high is None or getattr(space, "shape", None) is None:
        raise BridgeError("unsupported_space", f"the {what} space {space!r} is not a Box")
    return (np.asarray(low, dtype=np.float64).ravel(), np.asarray(high, dtype=np.float64).ravel())


# --------------------------------------------------------------------------------------
# Suites: each hosts `copies` environments and writes step results into shared views.


class GymSuite:
    name = "gym"

    def __init__(self, env_id, copies, imports, metrics):
        try:
            import gymnasium as gym
        except ImportError as exc:
            raise missing_package(exc)
        for module in imports:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                error = missing_package(exc, f"--env-import {module}")
                error.install = f"{sys.prefix}/bin/pip install {getattr(exc, 'name', None) or module}"
                raise error
        try:
            self.envs = [gym.make(env_id) for _ in range(copies)]
        except gym.error.Error as exc:
            message = str(exc)
            if env_id.lower().startswith("myo") and not any(m.split(".")[0] == "myosuite" for m in imports):
                # MyoSuite registers its ids with Gymnasium only when it is imported.
                message += (" MyoSuite environments exist only once myosuite is imported:"
                            " add --env-import myosuite (environment_imports = [\"myosuite\"] in a"
                            " configuration or sweep spec).")
            raise BridgeError("bad_id", message)
        except ImportError as exc:
            raise missing_package(exc)
        env = self.envs[0]
        self.observation_bounds = box_bounds(env.observation_space, "observation")
        self.action_bounds = box_bounds(env.action_space, "action")
        self.action_shape = env.action_space.shape
        self.max_episode_steps = env.spec.max_episode_steps if env.spec is not None else None
        self.metrics = list(metrics)

    def reset(self, copy, seed):
        obs, _ = self.envs[copy].reset(seed=seed)
        return obs

    def step(self, copy, action):
        obs, reward, terminated, truncated, info = self.envs[copy].step(action.reshape(self.action_shape))
        flags = (TERMINATED if terminated else 0) | (TRUNCATED if truncated else 0)
        return obs, reward, flags, info

    def close(self):
        for env in self.envs:
            env.close()


class MetaWorldSuite(GymSuite):
    """Meta-World v3 through its MT1 benchmark: the 50 goal positions of one task.

    The task set comes from `benchmark_seed` (fixed for the worker); `reset(seed)` reseeds
    the environment's generator, which then picks one of the 50 tasks. Meta-World's own
    `reset` ignores its seed argument, hence `unwrapped.seed`.
    """

    name = "metaworld"

    def __init__(self, task, copies, imports, metrics, benchmark_seed):
        try:
            import gymnasium as gym
            import metaworld
        except ImportError as exc:
            raise missing_package(exc)
        known = sorted(metaworld.ALL_V3_ENVIRONMENTS.keys())
        if task not in known:
            raise BridgeError("bad_id", f"'{task}' is not a Meta-World v3 task{did_you_mean(task, known)}; known: {', '.join(known)}")
        self.envs = [gym.make("Meta-World/MT1", env_name=task, seed=benchmark_seed) for _ in range(copies)]
        env = self.envs[0]
        self.observation_bounds = box_bounds(env.observation_space, "observation")
        self.action_bounds = box_bounds(env.action_space, "action")
        self.action_shape = env.action_space.shape
        self.max_episode_steps = env.spec.max_episode_steps or env.unwrapped.max_path_length
        self.metrics = ["success"] + [m for m in metrics if m != "success"]

    def reset(self, copy, seed):
        env = self.envs[copy]
        if seed is not None:
            env.unwrapped.seed(seed)
        obs, _ = env.reset()
        return obs


class DMCSuite:
    """DeepMind Control Suite. Observations: the task's observation dict in its own
    (insertion) order, each entry flattened row-major, concatenated. A last time step with
    discount 0 is a termination; any other last step (the time limit) is a truncation."""

    name = "dmc"

    def __init__(self, spec, copies, metrics):
        try:
            import numpy as np
            from dm_control import suite
        except ImportError as exc:
            raise missing_package(exc)
        domain, sep, task = spec.partition("-")
        if not sep or (domain, task) not in suite.ALL_TASKS:
            tasks = [f"{d}-{t}" for d, t in suite.ALL_TASKS]
            raise BridgeError("bad_id", f"'{spec}' is not a DeepMind Control Suite task (dmc:DOMAIN-TASK)"
                              f"{did_you_mean(spec, tasks)}; known: {', '.join(tasks)}")
        self.envs = [suite.load(domain, task) for _ in range(copies)]
        env = self.envs[0]
        obs_spec = env.observation_spec()
        self.keys = list(obs_spec.keys())
        sizes = [int(np.prod(obs_spec[k].shape)) for k in self.keys]
        self.slices = []
        offset = 0
        for n in sizes:
            self.slices.append(slice(offset, offset + n))
            offset += n
        self.obs = np.empty(offset)
        self.observation_bounds = (np.full(offset, -np.inf), np.full(offset, np.inf))
        aspec = env.action_spec()
        self.action_shape = aspec.shape
        self.action_bounds = (
            np.broadcast_to(np.asarray(aspec.minimum, dtype=np.float64), aspec.shape).ravel().copy(),
            np.broadcast_to(np.asarray(aspec.maximum, dtype=np.float64), aspec.shape).ravel().copy(),
        )
        limit = env._step_limit
        self.max_episode_steps = int(round(limit)) if limit != float("inf") else None
        self.metrics = list(metrics)

    def flatten(self, observation):
        for key, sl in zip(self.keys, self.slices):
            self.obs[sl] = observation[key].ravel() if hasattr(observation[key], "ravel") else observation[key]
        return self.obs

    def reset(self, copy, seed):
        env = self.envs[copy]
        if seed is not None:
            env.task.random.seed(seed % (1 << 32))
        return self.flatten(env.reset().observation)

    def step(self, copy, action):
        ts = self.envs[copy].step(action.reshape(self.action_shape))
        flags = 0
        if ts.last():
            flags = TERMINATED if ts.discount == 0 else TRUNCATED
        return self.flatten(ts.observation), (ts.reward or 0.0), flags, {}

    def close(self):
        for env in self.envs:
            env.close()


def make_suite(args):
    env = args.env
    suite, sep, rest = env.partition(":")
    if not sep or not rest:
        raise BridgeError("bad_id", f"'{env}' has no suite prefix; expected gym:ID, dmc:DOMAIN-TASK or metaworld:TASK")
    if suite == "gym":
        return GymSuite(rest, args.copies, args.env_import, args.metric)
    if suite == "metaworld":
        return MetaWorldSuite(rest, args.copies, args.env_import, args.metric, args.benchmark_seed)
    if suite == "dmc":
        return DMCSuite(rest, args.copies, args.metric)
    raise BridgeError("bad_id", f"'{env}': unknown suite '{suite}'; expected gym, dmc or metaworld")


# --------------------------------------------------------------------------------------


def serve(channel, suite, copies, allow_debug):
    import numpy as np

    obs_dim = suite.observation_bounds[0].size
    act_dim = suite.action_bounds[0].size
    metric_names = suite.metrics
    metric_count = len(metric_names)

    # The step reply is preallocated once; numpy views write straight into it.
    # Layout after the 4-byte length and the kind byte: observations (copies x obs_dim
    # float64), rewards (copies), metrics (copies x metric_count), flags (copies bytes).
    body = 1 + 8 * (copies * obs_dim + copies + copies * metric_count) + copies
    reply = bytearray(4 + body)
    struct.pack_into("<I", reply, 0, body)
    reply[4:5] = STEP_REPLY
    offset = 5
    obs_out = np.frombuffer(reply, dtype="<f8", count=copies * obs_dim, offset=offset).reshape(copies, obs_dim)
    offset += 8 * copies * obs_dim
    reward_out = np.frombuffer(reply, dtype="<f8", count=copies, offset=offset)
    offset += 8 * copies
    metric_out = np.frombuffer(reply, dtype="<f8", count=copies * metric_count, offset=offset).reshape(copies, metric_count)
    offset += 8 * copies * metric_count
    flag_out = np.frombuffer(reply, dtype=np.uint8, count=copies, offset=offset)

    step_size = 1 + 8 * copies * act_dim
    while True:
        frame = channel.read_frame()
        if frame is None:
            return 0
        kind = frame[0]
        if kind == STEP:
            if len(frame) != step_size:
                raise BridgeError("protocol", f"step frame of {len(frame)} bytes, expected {step_size}")
            actions = np.frombuffer(frame, dtype="<f8", offset=1).reshape(copies, act_dim).copy()
            for i in range(copies):
                obs, reward, flags, info = suite.step(i, actions[i])
                obs_out[i] = obs
                reward_out[i] = reward
                flag_out[i] = flags
                for j, name in enumerate(metric_names):
                    metric_out[i, j] = float(info.get(name, np.nan))
            channel.write(reply)
        elif kind == RESET:
            (count,) = struct.unpack_from("<I", frame, 1)
            if len(frame) != 5 + 16 * count:
                raise BridgeError("protocol", f"reset frame of {len(frame)} bytes for {count} copies")
            out = np.empty((count, obs_dim), dtype="<f8")
            for k in range(count):
                copy, flags, seed = struct.unpack_from("<IIQ", frame, 5 + 16 * k)
                if copy >= copies:
                    raise BridgeError("protocol", f"reset of copy {copy}, but the worker hosts {copies}")
                out[k] = suite.reset(copy, seed if flags & 1 else None)
            channel.send(RESET_REPLY, out.tobytes())
        elif kind == QUIT:
            return 0
        elif kind == DEBUG:
            if not allow_debug:
                raise BridgeError("protocol", "debug frame, but the worker was started without --allow-debug")
            code, argument = struct.unpack_from("<Bd", frame, 1)
            if code == 1:  # sleep, then answer
                time.sleep(argument)
                channel.send(DEBUG_REPLY)
            elif code == 2:  # exit at once, as a crash would
                os._exit(int(argument))
            elif code == 3:  # a malformed frame: an unknown kind
                channel.send(b"?", b"garbage")
            else:
                raise BridgeError("protocol", f"unknown debug code {code}")
        else:
            raise BridgeError("protocol", f"unknown frame kind {kind!r}")


def main():
    # Take the protocol descriptors, then send everything else printed to stderr.
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.environ.setdefault("MUJOCO_GL", "disable")

    parser = argparse.ArgumentParser(description="MixRL environment bridge worker (docs/bridge.md)")
    parser.add_argument("--env", required=True, help="gym:ID, dmc:DOMAIN-TASK or metaworld:TASK")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--env-import", action="append", default=[], help="module to import first (registers ids)")
    parser.add_argument("--metric", action="append", default=[], help="info key to report as a metric")
    parser.add_argument("--benchmark-seed", type=int, default=0, help="Meta-World task-set seed")
    parser.add_argument("--allow-debug", action="store_true", help="accept the fault-injection frames of the tests")
    args = parser.parse_args()

    channel = Channel(fd_in, fd_out)
    try:
        import numpy as np
    except ImportError as exc:
        channel.send_error("missing_package", missing_package(exc).message, SETUP_HINT)
        return 2
    try:
        suite = make_suite(args)
    except BridgeError as exc:
        channel.send_error(exc.kind, exc.message, exc.install)
        return 2
    except Exception as exc:  # noqa: BLE001 - any failure to build the environment is reported
        traceback.print_exc()
        channel.send_error("exception", f"{type(exc).__name__} while making the environment: {exc}")
        return 2

    hello = {
        "protocol": PROTOCOL_VERSION,
        "env": args.env,
        "suite": suite.name,
        "copies": args.copies,
        "observation_size": int(suite.observation_bounds[0].size),
        "action_size": int(suite.action_bounds[0].size),
        "max_episode_steps": suite.max_episode_steps,
        "metrics": suite.metrics,
        "python": sys.version.split()[0],
    }
    text = json.dumps(hello).encode()
    bounds = b"".join(np.ascontiguousarray(a, dtype="<f8").tobytes() for a in (*suite.observation_bounds, *suite.action_bounds))
    channel.send(HELLO, struct.pack("<I", len(text)) + text + bounds)

    try:
        return serve(channel, suite, args.copies, args.allow_debug)
    except BridgeError as exc:
        channel.send_error(exc.kind, exc.message)
        return 3
    except Exception as exc:  # noqa: BLE001 - reported to the client, then the worker exits
        traceback.print_exc()
        channel.send_error("exception", f"{type(exc).__name__}: {exc}")
        return 3
    finally:
        try:
            suite.close()
        except Exception:  # noqa: BLE001
            pass


if __name__ == "__main__":
    sys.exit(main())
