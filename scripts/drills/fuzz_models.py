"""Model fuzz: damaged model files (.ssdm), training checkpoints (.ckpt) and PyTorch checkpoints (.pth):
truncations, bit flips, other formats' headers, edited headers (shapes, dtypes, names, lengths), and .pth
files with wrong shapes, dtypes, keys or a broken pickle. Each goes through what a user runs
(`detect --model`, `import`, `train --resume`) and must exit 2 with one `error:` line; exit 0 is right
only when the damage left a file that is whole: metadata edited, a .pth whose tensors convert (PyTorch loads
those too) or in another container form, and, in the demo model (written before model files had a checksum),
a flipped bit inside the weights or a type edited to one of the same size. Never a crash, another exit code
or a hang."""
import json
import os
import random
import shutil
import struct
import subprocess

import pth
from harness import Failures, DEMO_MODEL, REPO, DrillFailure, ssdstream, stack_trace, workdir

MAGIC = b"SSDSTREAM-TENSORS-1\n"
OTHER_HEADERS = {
    "png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff\xe0", "zip": b"PK\x03\x04", "elf": b"\x7fELF\x02\x01\x01",
    "gzip": b"\x1f\x8b\x08\x00", "pickle": b"\x80\x02}q\x00", "hdf5": b"\x89HDF\r\n\x1a\n", "onnx": b"\x08\x07\x12\x07pytorch",
    "safetensors": struct.pack("<Q", 64) + b'{"__metadata__":{}}', "newer": b"SSDSTREAM-TENSORS-2\n", "text": b"hello\n",
}
KEYS_FILE = os.path.join(REPO, "tests", "fixtures", "parity", "ssdlite_keys.txt")
# Kinds of damage after which loading may rightly succeed: the file is still whole.
MAY_LOAD = {"header header-metadata", "pth-dtype-float", "pth-dtype-int", "pth-container", "pth-flip-data"}
# ... and in a file without a checksum (the demo model predates it), where nothing can tell.
MAY_LOAD_UNCHECKED = {"flip-data", "header dtype"}


def _split(data):
    """(magic, header JSON, tensor bytes) of a tensor file."""
    (length,) = struct.unpack_from("<i", data, len(MAGIC))
    start = len(MAGIC) + 4
    return json.loads(data[start:start + length]), data[start + length:]


def _join(header, body, length=None):
    text = json.dumps(header, separators=(",", ":")).encode()
    return MAGIC + struct.pack("<i", len(text) if length is None else length) + text + body


def _bytes_mutation(data, rng):
    """A damage any file can take: (kind, bytes)."""
    kind = rng.choice(["truncate", "truncate", "flip-header", "flip-data", "other-format", "empty", "garbage"])
    if kind == "truncate":
        return kind, data[:rng.randrange(len(data))]
    if kind == "flip-header":
        data = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(min(len(data), 4096))
            data[at] ^= 1 << rng.randrange(8)
        return kind, bytes(data)
    if kind == "flip-data":
        data = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(4096, len(data))
            data[at] ^= 1 << rng.randrange(8)
        return kind, bytes(data)
    if kind == "other-format":
        name, head = rng.choice(sorted(OTHER_HEADERS.items()))
        return f"other-format {name}", head + data[len(head):] if rng.random() < 0.5 else head
    if kind == "empty":
        return kind, b""
    return kind, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000)))


def _header_mutation(data, rng):
    """An edit of a tensor file's JSON header, the tensors' bytes kept: (kind, bytes)."""
    header, body = _split(data)
    entries = header["tensors"]
    entry = rng.choice(entries)
    kind = rng.choice(["shape", "shape-huge", "shape-negative", "dtype", "dtype-unknown", "name", "architecture",
                       "class-names", "format", "version", "length", "no-tensors", "duplicate", "header-metadata"])
    if kind == "shape":
        entry["shape"] = [d + rng.choice([-1, 1]) for d in entry["shape"]] or [2]
    elif kind == "shape-huge":
        entry["shape"] = [rng.choice([2 ** 31, 2 ** 40, 2 ** 62, 10 ** 15])] + entry["shape"][1:]
    elif kind == "shape-negative":
        entry["shape"] = [-1] + entry["shape"][1:]
    elif kind == "dtype":
        entry["dtype"] = rng.choice([d for d in ["float32", "float16", "float64", "int64", "int32", "uint8", "bool", "bfloat16"] if d != entry["dtype"]])
    elif kind == "dtype-unknown":
        entry["dtype"] = rng.choice(["complex64", "", "float128", None, 7])
    elif kind == "name":
        entry["name"] = rng.choice(["", "x", entry["name"] + ".extra", None])
    elif kind == "architecture":
        header["architecture"] = rng.choice(["ssd300-resnet50", "yolo", "", None, 3])
    elif kind == "class-names":
        header["class_names"] = rng.choice([[], ["only"], header.get("class_names", []) * 2, None, "circle", [1, 2]])
    elif kind == "format":
        header["format"] = rng.choice(["other", "", None])
    elif kind == "version":
        header["version"] = rng.choice([0, 2, -1, "1", None, 2 ** 40])
    elif kind == "length":
        return kind, _join(header, body, rng.choice([0, -5, 2 ** 31 - 1, len(json.dumps(header)) + rng.choice([-3, 3])]))
    elif kind == "no-tensors":
        header["tensors"] = rng.choice([[], None, {}, "x"])
    elif kind == "duplicate":
        entries.append(dict(entry))
    elif kind == "header-metadata":
        header["metadata"] = {"note": "ünïcode ✓", "n": 1}
    return f"header {kind}", _join(header, body)


def _reference_state():
    keys = pth.reference_keys(KEYS_FILE)
    state = {}
    for key, shape in keys:
        dtype = "int64" if key.endswith("num_batches_tracked") else "float32"
        state[key] = (dtype, shape, pth.tensor_bytes(dtype, shape))
    return state


def _pth_mutation(state, rng, path):
    """Writes a damaged .pth to path: returns its kind."""
    kind = rng.choice(["pth-shape", "pth-dtype-float", "pth-dtype-int", "pth-missing", "pth-extra", "pth-pickle", "pth-bytes",
                       "pth-container", "pth-scalar", "pth-flip-data", "pth-empty-dict"])
    state = dict(state)
    key = rng.choice([k for k in state if not k.endswith("num_batches_tracked")])
    dtype, shape, data = state[key]
    container = None
    pickle_bytes = None
    if kind == "pth-shape":
        new_shape = list(shape)
        new_shape[rng.randrange(len(new_shape))] += rng.choice([-1, 1, 7])
        state[key] = (dtype, new_shape, pth.tensor_bytes(dtype, new_shape))
    elif kind == "pth-dtype-float":
        new = rng.choice(["float64", "float16"])
        state[key] = (new, shape, pth.tensor_bytes(new, shape))
    elif kind == "pth-dtype-int":
        new = rng.choice(["int64", "int32", "uint8", "bool"])
        state[key] = (new, shape, pth.tensor_bytes(new, shape))
    elif kind == "pth-missing":
        del state[key]
    elif kind == "pth-extra":
        state["extra.weight"] = ("float32", [3], pth.tensor_bytes("float32", [3]))
    elif kind == "pth-pickle":
        pickle_bytes = rng.choice([b"", b"\x80\x02", b"\x80\x02}q\x00(X\x01\x00\x00\x00a", b"garbage", b"\x80\x05\x95\xff\xff\xff\xff"])
    elif kind == "pth-container":
        container = rng.choice(["model", "model_state_dict", "state_dict", "weights"])
    elif kind == "pth-scalar":
        state[key] = (dtype, [], pth.tensor_bytes(dtype, []))
    elif kind == "pth-empty-dict":
        state = {}
    elif kind == "pth-flip-data":
        pass
    pth.write(path, state, container=container, pickle_bytes=pickle_bytes)
    if kind == "pth-bytes":
        with open(path, "rb") as f:
            raw = f.read()
        sub, raw = _bytes_mutation(raw, rng)
        with open(path, "wb") as f:
            f.write(raw)
        kind = f"pth-bytes {sub}"
    elif kind == "pth-flip-data":
        with open(path, "rb") as f:
            raw = bytearray(f.read())
        # Inside a storage entry, past the zip headers and the pickle.
        at = rng.randrange(len(raw) // 4, len(raw) * 3 // 4)
        raw[at] ^= 1 << rng.randrange(8)
        with open(path, "wb") as f:
            f.write(raw)
    return kind


def _judge(label, kind, code, out, err, failures, outcomes, checked=True):
    if code is None:
        failures.append(f"{label}: hung")
        outcomes["hang"] = outcomes.get("hang", 0) + 1
        return
    lines = [l for l in err.splitlines() if l.strip()]
    if stack_trace(out + err) or code not in (0, 2):
        failures.append(f"{label}: exit {code}: {(out + err).strip()[-700:]}")
        outcomes[f"exit {code}"] = outcomes.get(f"exit {code}", 0) + 1
        return
    if code == 2:
        if len(lines) != 1 or not lines[0].startswith("error: "):
            failures.append(f"{label}: exit 2 with {err.strip()[:500]!r}")
        outcomes["refused"] = outcomes.get("refused", 0) + 1
        return
    if kind not in MAY_LOAD and (checked or kind not in MAY_LOAD_UNCHECKED):
        failures.append(f"{label}: exit 0, but this damage must be refused")
    outcomes["loaded"] = outcomes.get("loaded", 0) + 1


def run(count, rng):
    root = workdir("fuzz-models")
    image = os.path.join(root, "image.jpg")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=96x96", "-frames:v", "1", image], check=True)
    model32 = os.path.join(root, "model32.ssdm")
    code, out, err = ssdstream(["model", "convert", DEMO_MODEL, "--out", model32], timeout=300)
    if code != 0:
        raise DrillFailure(f"model convert exited {code}: {err}")
    # A small training run gives a checkpoint to damage and a dataset to resume on.
    data = os.path.join(root, "data")
    ssdstream(["dataset", "synth", "--out", data, "--images", "4", "--seed", "5", "--val-fraction", "0"], timeout=300)
    train_args = ["train", "--data", os.path.join(data, "train", "annotations.json"), "--arch", "ssdlite-mobilenetv2",
                  "--batch", "2", "--warmup", "1", "--workers", "1", "--threads", "1", "--device", "cpu"]
    run_dir = os.path.join(root, "run")
    code, out, err = ssdstream([*train_args, "--out", run_dir, "--epochs", "1"], timeout=900)
    checkpoint = os.path.join(run_dir, "last.ckpt")
    if code != 0 or not os.path.exists(checkpoint):
        raise DrillFailure(f"the training run for a checkpoint exited {code}: {err[-1500:]}")
    originals = {}
    for name, path in [("model16", DEMO_MODEL), ("model32", model32), ("checkpoint", checkpoint)]:
        with open(path, "rb") as f:
            originals[name] = f.read()
    state = _reference_state()
    failures, outcomes, kinds = Failures("fuzz-models"), {}, {}
    damaged = os.path.join(root, "damaged")
    for i in range(count):
        what = rng.choice(["model16", "model32", "model32", "checkpoint", "checkpoint", "pth", "pth"])
        if what == "pth":
            path = damaged + ".pth"
            kind = _pth_mutation(state, rng, path)
            args = ["import", path, "--arch", "ssdlite-mobilenetv2", "--out", os.path.join(root, "imported.ssdm")]
        else:
            data_bytes = originals[what]
            kind, data_bytes = _header_mutation(data_bytes, rng) if rng.random() < 0.4 else _bytes_mutation(data_bytes, rng)
            path = damaged + (".ckpt" if what == "checkpoint" else ".ssdm")
            with open(path, "wb") as f:
                f.write(data_bytes)
            args = ["detect", image, "--model", path, "--threads", "1"]
            if what == "checkpoint" and rng.random() < 0.25:
                # Resuming reads the whole checkpoint, the optimizer's state included.
                resume_dir = os.path.join(root, "resume")
                shutil.rmtree(resume_dir, ignore_errors=True)
                os.makedirs(resume_dir)
                shutil.copy(path, os.path.join(resume_dir, "last.ckpt"))
                args = [*train_args, "--out", resume_dir, "--epochs", "2", "--resume"]
                what = "checkpoint (train --resume)"
        code, out, err = ssdstream(args, timeout=300)
        kinds[kind.split(" ")[0]] = kinds.get(kind.split(" ")[0], 0) + 1
        _judge(f"{i + 1}: {what}, {kind}", kind, code, out, err, failures, outcomes, checked=what != "model16")
    line = (f"{count} damaged files ({sum(1 for _ in kinds)} kinds of damage): {outcomes.get('refused', 0)} exit 2 with one line, "
            f"{outcomes.get('loaded', 0)} loaded (damage that leaves the file whole)"
            + "".join(f", {v} {k}" for k, v in outcomes.items() if k not in ("refused", "loaded"))
            + f"; {len(failures)} failures")
    return not failures, line, failures
