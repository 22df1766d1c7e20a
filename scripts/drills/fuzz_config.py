"""Configuration fuzz: mutations of a full appsettings.json (wrong types, missing and unknown keys, huge and
negative numbers, empty strings, unicode, deep nesting, broken JSON). `ssdstream run --check` (the start's
own loading, validation and checks, in the real process) must exit 78 with lines naming a key or the
file's broken place, or 0; every configuration it passes is then started for real and must stop cleanly
on SIGTERM. Never a stack trace, another exit code or a hang. An unknown key must be warned about by name."""
import copy
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time

from harness import Failures, DEMO_MODEL, SSDSTREAM, free_port, ssdstream, stack_trace, wait_until, workdir

NUMBERS = [0, -1, -1.5, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 63, 2 ** 64, 1e-320, 99999999999, 0.0001]
STRINGS = ["", " ", "text", "true", "-1", "1e999", "NaN", "null", "κάμερα", "カメラ🎥", "\u202eevil", "a\u0000b", "e\u0301",
           "\ud800", "../../etc/passwd", "/dev/null", "rtsp://u:p@[::1", "x" * 5000, "C:\\Windows", "%00", "${HOME}", "\n"]
OTHERS = [True, False, None, {}, [], [1, 2], {"a": 1}, [None], [{}]]
TYPO_WORDS = ["Colour", "Enabeld", "Treshold", "Foo", "Hots", "Port2", "debug", "Cameras2", "ModelPath", "x"]


def base_configuration(mqtt_port, http_port):
    """A configuration that starts: every section, with zones, masks, a tracker and filters."""
    return {
        "Logging": {"LogLevel": {"Default": "Information", "Microsoft": "Warning"}},
        "SsdStream": {
            "Model": {"Path": DEMO_MODEL, "Device": "cpu", "Half": False, "Threads": 1, "ScoreThreshold": 0.05,
                      "NmsThreshold": 0.45, "MaxDetections": 100},
            "Inference": {"MaxBatch": 2, "MaxWaitMs": 0},
            "Cameras": [{
                "Name": "yard", "Type": "synthetic", "Enabled": True, "MaxFps": 0, "StallTimeoutSeconds": 10,
                "ReconnectInitialSeconds": 1, "ReconnectMaxSeconds": 30, "QueueCapacity": 2,
                "Synthetic": {"Width": 160, "Height": 120, "Fps": 5, "Seed": 1, "MinObjectSize": 0.15, "MaxObjectSize": 0.45},
                "Filter": {"MinScore": 0.5, "Labels": [], "ExcludeLabels": ["ring"], "MinArea": 0},
                "Tracker": {"LostSeconds": 3, "ConfirmFrames": 3, "MatchIou": 0.1},
                "Zones": [{"Name": "lawn", "Points": [0, 0.5, 1, 0.5, 1, 1, 0, 1], "Labels": ["circle"], "InsideSeconds": 0}],
                "Masks": [{"Points": [0, 0, 0.2, 0, 0.2, 0.2, 0, 0.2], "Labels": []}],
            }],
            "Mqtt": {"Host": "", "Port": 1883, "EmbeddedPort": mqtt_port, "ClientId": "ssdstream-fuzz", "KeepAliveSeconds": 15,
                     "Qos": 0, "TopicPrefix": "ssdstream", "PublishEmptyFrames": False, "StatsIntervalSeconds": 10, "OutboxSize": 1000,
                     "Tls": {"Enabled": False}, "HomeAssistant": {"Enabled": True, "DiscoveryPrefix": "homeassistant"}},
            "Recording": {"Enabled": True, "Directory": "recordings", "Mode": "continuous", "SegmentSeconds": 60,
                          "MaxAgeHours": 72, "MaxSizeMb": 2048, "QueueFrames": 120},
            "Snapshots": {"Enabled": True, "Quality": 85, "MaxHeight": 0},
            "Events": {"Enabled": True, "Database": ""},
            "Http": {"Enabled": True, "Urls": f"http://127.0.0.1:{http_port}", "MjpegFps": 3},
            "StatusIntervalSeconds": 5,
            "ShutdownTimeoutSeconds": 10,
        },
    }


def _nodes(tree, path=()):
    """Every (parent, key, path) below tree, down to 12 levels (what a nesting mutation added stays whole)."""
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else []
    for key, child in list(items):
        yield tree, key, path + (str(key),)
        if len(path) < 12:
            yield from _nodes(child, path + (str(key),))


def _nested(depth, rng):
    value = rng.choice([1, "x", None])
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"N": value}
    return value


def _typo(key, rng):
    if not key or rng.random() < 0.3:
        return rng.choice(TYPO_WORDS)
    i = rng.randrange(len(key))
    return rng.choice([key[:i] + key[i + 1:], key[:i] + rng.choice("aeixz") + key[i:], key + "s", key[:i] + key[i:].swapcase()]) or "x"


def mutate_tree(config, rng):
    """Applies 1-3 structural mutations; returns the names of what was done and the unknown keys added."""
    done, unknown = [], []
    for _ in range(rng.choice([1, 1, 2, 3])):
        nodes = [n for n in _nodes(config)]
        parent, key, path = rng.choice(nodes)
        kind = rng.choice(["type", "type", "delete", "unknown", "number", "number", "empty", "unicode", "nesting", "null"])
        if kind == "type":
            parent[key] = rng.choice(NUMBERS + STRINGS + OTHERS)
        elif kind == "delete":
            del parent[key]
        elif kind == "unknown":
            objects = [(p, k, pa) for p, k, pa in nodes if isinstance(p[k], dict) and pa[0] == "SsdStream"]
            if not objects:
                continue
            target_parent, target_key, target_path = rng.choice(objects)
            target = target_parent[target_key]
            name = _typo(rng.choice(list(target) or ["x"]), rng)
            if any(k.lower() == name.lower() for k in target):
                continue
            target[name] = rng.choice(NUMBERS + STRINGS[:9] + OTHERS[:5])
            if not isinstance(target[name], (dict, list)) or target[name]:
                unknown.append(":".join((*target_path, name)))
        elif kind == "number":
            parent[key] = rng.choice(NUMBERS)
        elif kind == "empty":
            parent[key] = ""
        elif kind == "unicode":
            if isinstance(parent, dict) and rng.random() < 0.3:
                parent[rng.choice(STRINGS[8:14])] = parent.pop(key)
            else:
                parent[key] = rng.choice(STRINGS[8:])
        elif kind == "nesting":
            parent[key] = _nested(rng.choice([3, 20, 63, 64, 65, 200]), rng)
        elif kind == "null":
            parent[key] = None
        done.append(f"{kind} {':'.join(path)}")
    # A later mutation may have removed an unknown key added before (its section deleted or emptied).
    return done, [key for key in unknown if _present(config, key.split(":"))]


def _present(tree, path):
    """Whether the key at path (names, and list indices as digits) is still in tree."""
    for part in path:
        if isinstance(tree, dict) and part in tree:
            tree = tree[part]
        elif isinstance(tree, list) and part.isdigit() and int(part) < len(tree):
            tree = tree[int(part)]
        else:
            return False
    return True


def mutate_text(text, rng):
    """One mutation of the file's text (broken JSON and its relatives)."""
    kind = rng.choice(["truncate", "delete", "insert", "empty", "garbage", "bom", "comment", "trailing-comma",
                       "single-quotes", "duplicate-key", "bad-utf8", "nan", "deep"])
    data = text.encode()
    at = rng.randrange(max(1, len(data)))
    if kind == "truncate":
        data = data[:at]
    elif kind == "delete":
        data = data[:at] + data[at + 1:]
    elif kind == "insert":
        data = data[:at] + rng.choice([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\x00"]) + data[at:]
    elif kind == "empty":
        data = b""
    elif kind == "garbage":
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    elif kind == "bom":
        data = b"\xef\xbb\xbf" + data
    elif kind == "comment":
        data = data.replace(b"{", b"{ // note\n", 1).replace(b"[", b"/* c */ [", 1)
    elif kind == "trailing-comma":
        data = data.replace(b"}", b",}", rng.randrange(1, 4))
    elif kind == "single-quotes":
        data = data.replace(b'"', b"'", rng.randrange(1, 6))
    elif kind == "duplicate-key":
        data = data.replace(b'"Mqtt": {', b'"Mqtt": {"Port": 1, "Port": "two", ', 1)
    elif kind == "bad-utf8":
        data = data[:at] + b"\xc3\x28\xff" + data[at:]
    elif kind == "deep":
        depth = rng.choice([1000, 10000])
        data = data.replace(b'"Inference": {', b'"Inference": {"Deep": ' + b"[" * depth + b"]" * depth + b", ", 1)
    elif kind == "nan":
        data = re.sub(rb"\b(0\.45|0\.05)\b", b"NaN", data, count=1)
    return data, f"text {kind}"


def _line_is_fine(line, root):
    """Whether an error line names a key or the file and its broken place."""
    body = line[len("configuration error: "):]
    return bool(re.match(r"(SsdStream|Logging)(:[^:\s]+)*: ", body) or "appsettings.json" in body)


def _start_and_stop(root, failures, label):
    """Starts the daemon for real on the configuration in root; it must keep running, then stop cleanly on SIGTERM."""
    log_path = os.path.join(root, "run.log")
    with open(log_path, "wb") as log:
        p = subprocess.Popen([SSDSTREAM, "run"], stdout=log, stderr=subprocess.STDOUT, cwd=root,
                             env=dict(os.environ, SSDSTREAM_ROOT=root), start_new_session=True)

    def output():
        with open(log_path, errors="replace") as f:
            return f.read()

    def keep():
        # The whole log and configuration of a failing mutation (the failure line holds only the tail).
        number = label.split()[1]
        shutil.copy(log_path, os.path.join(root, f"failed-{number}.log"))
        shutil.copy(os.path.join(root, "appsettings.json"), os.path.join(root, f"failed-{number}.json"))
    # Up: a camera streams (its line, or the status line), or 25 s pass (logging may be switched off).
    wait_until(lambda: p.poll() is not None or re.search(r": streaming", output()), 25, 0.2)
    if p.poll() is not None:
        failures.append(f"{label}: passed the check, then the start exited {p.returncode}: {output()[-600:]}")
        keep()
        return "start-exit"
    p.send_signal(signal.SIGTERM)
    try:
        code = p.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        failures.append(f"{label}: did not stop within 60 s of SIGTERM")
        keep()
        return "hang"
    if code != 0 or stack_trace(output()):
        failures.append(f"{label}: stop exited {code}: {output()[-600:]}")
        keep()
        return "bad-stop"
    return "started"


def run(count, rng):
    root = workdir("fuzz-config")
    base = base_configuration(free_port(), free_port())
    outcomes = {"78": 0, "started": 0}
    failures, warned, unknown_total = Failures("fuzz-config"), 0, 0
    path = os.path.join(root, "appsettings.json")
    for i in range(count):
        config = copy.deepcopy(base)
        done, unknown = mutate_tree(config, rng)
        text = json.dumps(config, indent=1)
        data = text.encode(errors="surrogatepass")
        if rng.random() < 0.2:
            data, kind = mutate_text(text, rng)
            done.append(kind)
            unknown = []
        with open(path, "wb") as f:
            f.write(data)
        label = f"mutation {i + 1} ({'; '.join(done)})"
        code, out, err = ssdstream(["run", "--check"], root=root, timeout=60)
        if code is None:
            failures.append(f"{label}: run --check hung for 60 s")
            outcomes["hang"] = outcomes.get("hang", 0) + 1
            continue
        if stack_trace(out + err):
            failures.append(f"{label}: stack trace: {(out + err)[-800:]}")
            outcomes["trace"] = outcomes.get("trace", 0) + 1
            continue
        lines = [l for l in err.splitlines() if l.strip()]
        errors = [l for l in lines if l.startswith("configuration error: ")]
        others = [l for l in lines if not l.startswith(("configuration error: ", "configuration warning: "))]
        if code == 78:
            if not errors or others or not all(_line_is_fine(l, root) for l in errors):
                failures.append(f"{label}: exit 78 with {err.strip()[:600]!r}")
            outcomes["78"] += 1
        elif code == 0:
            if "configuration ok" not in out or others:
                failures.append(f"{label}: exit 0 with {(out + err).strip()[:600]!r}")
            unknown_total += len(unknown)
            for key in unknown:
                if key in err:
                    warned += 1
                else:
                    failures.append(f"{label}: the unknown key {key} was not warned about: {err.strip()[:300]!r}")
            result = _start_and_stop(root, failures, label)
            outcomes[result] = outcomes.get(result, 0) + 1
        else:
            failures.append(f"{label}: exit {code}: {(out + err).strip()[-600:]!r}")
            outcomes[f"exit {code}"] = outcomes.get(f"exit {code}", 0) + 1
    holds = not failures
    other = ", ".join(f"{v} {k}" for k, v in outcomes.items() if k not in ("78", "started") and v)
    line = (f"{count} mutations: {outcomes['78']} exit 78 naming a key or the file's broken place, {outcomes['started']} passed "
            f"--check and started and stopped cleanly{', ' + other if other else ''}; unknown keys warned by name "
            f"{warned}/{unknown_total}; {len(failures)} failures")
    return holds, line, failures
