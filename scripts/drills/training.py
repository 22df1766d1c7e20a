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

from harness import Failures, SSDSTREAM, DrillFailure, ssdstream, workdir

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


def kills(count, rng, quick):
    """A reference run, then the same run killed `count` times at random moments (2-12 s after each start,
    so that some kills land in a checkpoint's write), resumed each time, and finished; compares final.ssdm."""
    root = workdir("kill-train")
    data = os.path.join(root, "data")
    images, epochs = (8, 2) if quick else (16, 6)
    code, out, err = ssdstream(["dataset", "synth", "--out", data, "--images", str(images), "--seed", "3", "--val-fraction", "0.25"], timeout=300)
    if code != 0:
        raise DrillFailure(f"dataset synth exited {code}: {err}")
    common = ["train", "--data", os.path.join(data, "train", "annotations.json"), "--arch", "ssdlite-mobilenetv2",
              "--epochs", str(epochs), "--batch", "4", "--warmup", "4", "--milestones", str(epochs - 1), "--workers", "1",
              "--seed", "11", "--threads", "1", "--device", "cpu"]
    started = time.monotonic()
    code, out, err = ssdstream([*common, "--out", os.path.join(root, "reference")], timeout=3600)
    reference_minutes = (time.monotonic() - started) / 60
    if code != 0:
        raise DrillFailure(f"the reference run exited {code}: {err[-2000:]}")
    interrupted = os.path.join(root, "interrupted")
    failures, kill_times, resumes, resumed_at = Failures("kill-train"), [], 0, []
    for i in range(count + 1):
        args = [*common, "--out", interrupted] + (["--resume"] if i > 0 else [])
        with open(os.path.join(root, f"run-{i}.log"), "wb") as log:
            p = subprocess.Popen([SSDSTREAM, *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if i < count:
            at = rng.uniform(2, 12)
            try:
                p.wait(at)
                # It finished before the kill: the remaining kills have nothing to interrupt.
                failures.append(f"run {i + 1} ended (exit {p.returncode}) before its kill at {at:.1f} s; use more epochs")
                break
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                kill_times.append(at)
        else:
            code = p.wait(3600)
            if code != 0:
                with open(os.path.join(root, f"run-{i}.log"), errors="replace") as f:
                    failures.append(f"the resumed run exited {code}: {f.read()[-1500:]}")
        resumes += i > 0
        if i > 0:
            with open(os.path.join(root, f"run-{i}.log"), errors="replace") as f:
                m = re.search(r"resuming at epoch (\d+)", f.read())
            resumed_at.append(int(m.group(1)) if m else 1)
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
    line = (f"{len(kill_times)} kills at {', '.join(f'{t:.1f}' for t in kill_times)} s, resumed at epochs {', '.join(map(str, resumed_at))}; final weights max abs "
            f"difference {difference if difference is not None else 'n/a'} vs the uninterrupted run ({epochs} epochs of "
            f"{images - images // 4} images, {reference_minutes:.1f} min); temporary files left {len(leftovers)}")
    return not failures, line, failures
