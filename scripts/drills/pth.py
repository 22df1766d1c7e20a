"""Writes a PyTorch checkpoint as torch.save does (a zip archive with archive/data.pkl, each tensor's
storage under archive/data/N, archive/version), with Python's standard library: the pickle names
torch._utils._rebuild_tensor_v2 and torch.<Type>Storage, which stand-ins in sys.modules provide while
pickling. Used by the model fuzz drill to make real and broken .pth files without PyTorch."""
import collections
import io
import pickle
import struct
import sys
import types
import zipfile

# dtype name: (storage class, struct code, element size)
DTYPES = {
    "float32": ("FloatStorage", "f", 4), "float64": ("DoubleStorage", "d", 8), "float16": ("HalfStorage", "e", 2),
    "int64": ("LongStorage", "q", 8), "int32": ("IntStorage", "i", 4), "uint8": ("ByteStorage", "B", 1),
    "bool": ("BoolStorage", "?", 1),
}


def _torch_stand_ins():
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    for storage, _, _ in DTYPES.values():
        setattr(torch, storage, type(storage, (), {"__module__": "torch"}))

    def _rebuild_tensor_v2(*args):  # only its name is pickled
        raise NotImplementedError
    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    return torch, utils


class _Storage:
    def __init__(self, key, storage_class, numel):
        self.key, self.storage_class, self.numel = key, storage_class, numel


class _Tensor:
    def __init__(self, rebuild, storage, shape):
        self.rebuild, self.storage, self.shape = rebuild, storage, shape

    def __reduce__(self):
        stride, step = [], 1
        for d in reversed(self.shape):
            stride.insert(0, step)
            step *= max(d, 1)
        return self.rebuild, (self.storage, 0, tuple(self.shape), tuple(stride), False, collections.OrderedDict())


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", obj.storage_class, obj.key, "cpu", obj.numel)
        return None


def write(path, tensors, container=None, pickle_bytes=None):
    """Writes tensors {name: (dtype, shape, data bytes)} as a state dict (under `container` when given).
    pickle_bytes replaces data.pkl (a broken pickle)."""
    saved = {name: sys.modules.get(name) for name in ("torch", "torch._utils")}
    torch, utils = _torch_stand_ins()
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    try:
        state = collections.OrderedDict()
        blobs = []
        for i, (name, (dtype, shape, data)) in enumerate(tensors.items()):
            storage_class, _, size = DTYPES[dtype]
            storage = _Storage(str(i), getattr(torch, storage_class), len(data) // size)
            state[name] = _Tensor(utils._rebuild_tensor_v2, storage, list(shape))
            blobs.append((str(i), data))
        root = {container: state} if container else state
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=2).dump(root)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes if pickle_bytes is not None else buffer.getvalue())
        z.writestr("archive/byteorder", "little")
        for key, data in blobs:
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")


def reference_keys(keys_file):
    """[(key, shape)] from a fixture such as tests/fixtures/parity/ssdlite_keys.txt ('<key> <shape>' lines)."""
    result = []
    with open(keys_file) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            key, _, shape = line.strip().partition(" ")
            dims = [] if shape == "scalar" else [int(d) for d in shape.replace(",", " ").split()]
            result.append((key, dims))
    return result


def tensor_bytes(dtype, shape, value=0.01):
    """A tensor of one value, as raw little-endian bytes."""
    _, code, _ = DTYPES[dtype]
    count = 1
    for d in shape:
        count *= d
    if code in "fde":
        return struct.pack(f"<{count}{code}", *([value] * count))
    return struct.pack(f"<{count}{code}", *([1] * count))
