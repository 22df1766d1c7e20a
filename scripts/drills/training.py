"""Training drill: `ssdstream train` killed with SIGKILL at random moments and continued with --resume each
time must end with the same weights as a run that was never interrupted, with the same seed."""
import array
import json
import os
import re
import signal
import struct
import subprocess
import time

from harness import Failures, SSDSTREAM, DrillFailure, ssdstream, wait_until, workdir

MAGIC = b"SSDSTREAM-TENSORS-1\n"
TYPECODES = {"float32": ("f", 4), "float64": ("d", 8), "float16": ("e", 2)}


def read_tensors(path):
    """The float tensors of a model or checkpoint file (TensorBlobFile's layout: magic line, int32 header
    length, JSON header listing name, dtype and shape, then each tensor's little-endian bytes): {name: values}."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(MAGIC):
        raise DrillFailure(f"{path} is not a tensor file")
    at = len(MAGIC)
    (length,) = struct.unpack_from("<i", data, at)
    header = json.loads(data[at + 4:at + 4 + length])
    at += 4 + length
    tensors = {}
    for entry in header["tensors"]:
        count = 1
        for d in entry["shape"]:
            count *= d
        code, size = TYPECODES.get(entry["dtype"], ("B", {"int64": 8, "int32": 4, "bfloat16": 2}.get(entry["dtype"], 1)))
        chunk = data[at:at + count * size]
        at += count * size
        if code != "B":
            values = array.array(code)
            values.frombytes(chunk)
            tensors[entry["name"]] = values
    return tensors


def max_abs_difference(a, b):
    ta, tb = read_tensors(a), read_tensors(b)
    if ta.keys() != tb.keys():
        raise DrillFailure(f"{a} and {b} hold different tensors")
    return max((max((abs(x - y) for x, y in zip(ta[k], tb[k])), default=0.0) for k in ta), default=0.0)


START_LINE = re.compile(r"^(?:starting|resuming at epoch (\d+)): (\d+) epochs", re.M)


def read_log(path):
    with open(path, errors="replace") as f:
        return f.read()


def start_training(args, log_path):
    with open(log_path, "wb") as log:
        return subprocess.Popen([SSDSTREAM, *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_start(p, log_path, timeout=600):
    """Waits until the run has loaded its data and model and prints its first line; returns the epoch it starts
    at, or None when the process ended first."""
    m = wait_until(lambda: START_LINE.search(read_log(log_path)) or (p.poll() is not None and "ended"), timeout, 0.02)
    if m is None:
        raise DrillFailure(f"no start line in {log_path} after {timeout} s")
    return None if m == "ended" else int(m.group(1) or 1)


def kills(count, rng, quick):
    """A reference run, then the same run killed `count` times at random moments, resumed each time, and
    finished; compares final.ssdm. The moments are drawn over the epochs each run still has to do, timed on the
    reference run (so a faster machine does not finish before the kill), which puts some kills into a checkpoint's
    write."""
    root = workdir("kill-train")
    data = os.path.join(root, "data")
    images, epochs = (8, 3) if quick else (16, 6)
    code, out, err = ssdstream(["dataset", "synth", "--out", data, "--images", str(images), "--seed", "3", "--val-fraction", "0.25"], timeout=300)
    if code != 0:
        raise DrillFailure(f"dataset synth exited {code}: {err}")
    common = ["train", "--data", os.path.join(data, "train", "annotations.json"), "--arch", "ssdlite-mobilenetv2",
              "--epochs", str(epochs), "--batch", "4", "--warmup", "4", "--milestones", str(epochs - 1), "--workers", "1",
              "--seed", "11", "--threads", "1", "--device", "cpu"]
    started = time.monotonic()
    reference_log = os.path.join(root, "reference.log")
    p = start_training([*common, "--out", os.path.join(root, "reference")], reference_log)
    if wait_for_start(p, reference_log) is None:
        raise DrillFailure(f"the reference run exited {p.wait()} before it started: {read_log(reference_log)[-2000:]}")
    training_started = time.monotonic()
    code = p.wait(3600)
    reference_minutes = (time.monotonic() - started) / 60
    if code != 0:
        raise DrillFailure(f"the reference run exited {code}: {read_log(reference_log)[-2000:]}")
    epoch_seconds = (time.monotonic() - training_started) / epochs
    interrupted = os.path.join(root, "interrupted")
    failures, kill_times, resumed_at, ended_early = Failures("kill-train"), [], [], None
    for i in range(count + 1):
        log_path = os.path.join(root, f"run-{i}.log")
        p = start_training([*common, "--out", interrupted] + (["--resume"] if i > 0 else []), log_path)
        first = wait_for_start(p, log_path)
        if i > 0:
            resumed_at.append(first)
        if i < count and first is not None:
            # Up to three quarters of what is left: the reference's time per epoch includes its final save and
            # exit, and a run a little faster than the reference must not finish before its kill (a draw near
            # the end did in one quick run of eight here). Epoch ends, where checkpoints are written, stay in range.
            at = rng.uniform(0.05, 0.75) * (epochs - first + 1) * epoch_seconds
            try:
                # A machine that got faster since the reference can finish first: the run is complete, and
                # compared below like any other; only a drill without a single kill fails for it.
                p.wait(at)
                ended_early = f"run {i + 1} ended (exit {p.returncode}) before its kill {at:.1f} s after its start line"
                if p.returncode != 0:
                    failures.append(f"{ended_early}: {read_log(log_path)[-1500:]}")
                break
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                kill_times.append(at)
        else:
            code = p.wait(3600)
            if code != 0:
                failures.append(f"the resumed run exited {code}: {read_log(log_path)[-1500:]}")
            break
    if not kill_times:
        failures.append(ended_early or "no kill landed")
    final = os.path.join(interrupted, "final.ssdm")
    difference = None
    if os.path.exists(final):
        difference = max_abs_difference(os.path.join(root, "reference", "final.ssdm"), final)
        if difference != 0:
            failures.append(f"final weights differ from the uninterrupted run by up to {difference:g}")
    else:
        failures.append("the interrupted run has no final.ssdm")
    leftovers = [n for n in os.listdir(interrupted) if n.endswith(".tmp")] if os.path.isdir(interrupted) else []
    if leftovers:
        failures.append(f"temporary files left in the run folder: {', '.join(leftovers)}")
    line = (f"{len(kill_times)} kills at {', '.join(f'{t:.1f}' for t in kill_times)} s into training, resumed at epochs "
            f"{', '.join(str(e) if e else 'none left' for e in resumed_at)}; final weights max abs difference "
            f"{difference if difference is not None else 'n/a'} vs the uninterrupted run ({epochs} epochs of "
            f"{images - images // 4} images, {epoch_seconds:.1f} s per epoch, {reference_minutes:.1f} min); temporary files left {len(leftovers)}" + (f"; {ended_early}" if ended_early else ""))
    return not failures, line, failures
