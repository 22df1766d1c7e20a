"""What every drill needs: the real servers on loopback (GStreamer's RTSP server as the tests start it,
mosquitto, a persistent mosquitto_sub), the daemon and the other commands run through the repository's
`ssdstream` script, and what /proc says about a process. Python's standard library only."""
import getpass
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# DRILLS_SSDSTREAM runs another executable (a copy of artifacts/ssdstream-cpu, say, while the sources change).
SSDSTREAM = os.environ.get("DRILLS_SSDSTREAM") or os.path.join(REPO, "ssdstream")
DEMO_MODEL = os.path.join(REPO, "models", "demo", "demo.ssdm")
RTSP_SCRIPT = os.path.join(REPO, "tests", "SsdStream.Pipeline.Tests", "Servers", "rtsp_server.py")
ARTIFACTS = os.path.join(REPO, "artifacts", "drills")
SHAPES = ["circle", "square", "triangle", "star", "cross", "ring"]


class Failures(list):
    """A drill's failures, each also appended to artifacts/drills/<drill>.failures.log as it happens."""

    def __init__(self, drill):
        super().__init__()
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.path = os.path.join(ARTIFACTS, f"{drill}.failures.log")
        open(self.path, "w").close()

    def append(self, failure):
        super().append(failure)
        with open(self.path, "a") as f:
            f.write(failure.rstrip() + "\n")


class DrillFailure(Exception):
    """A drill could not go on (a server that did not start, a daemon that never streamed)."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.1):
    """Polls until predicate() is truthy; returns its value, or None after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def parse_time(text):
    """An ISO 8601 time from .NET (up to 7 fractional digits, offset or Z) as Unix seconds."""
    text = text.replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    return datetime.fromisoformat(text).timestamp()


def workdir(name):
    """A fresh folder for one drill under artifacts/drills (kept after the run: logs to read when it fails)."""
    path = os.path.join(ARTIFACTS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


# ---------------------------------------------------------------------------------------------- /proc

def proc_status(pid):
    """VmRSS (MB) and Threads of a process, from /proc/PID/status."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "threads": int(fields["Threads"])}


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def resources(pid):
    """RSS (MB), threads and open file descriptors of a running process."""
    r = proc_status(pid)
    r["fds"] = open_fds(pid)
    return r


def processes():
    """Every process as (pid, ppid, state, comm, cmdline)."""
    result = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2:].split()
        result.append((int(entry), int(rest[1]), rest[0], comm, cmdline))
    return result


def ffmpeg_processes(marker):
    """The running ffmpeg processes whose command line holds marker (an RTSP URL, a recording folder)."""
    return [p for p in processes() if p[3] == "ffmpeg" and marker in p[4]]


def zombie_children(pid):
    """Children of pid that ended and were never reaped."""
    return [p for p in processes() if p[1] == pid and p[2] == "Z"]


# ---------------------------------------------------------------------------------------------- commands

def ssdstream(args, root=None, timeout=600, env=None, cwd=None):
    """Runs `ssdstream ARGS` to its end: (exit code, stdout, stderr); exit code None when it hung past timeout."""
    e = dict(os.environ)
    if root:
        e["SSDSTREAM_ROOT"] = root
    if env:
        e.update(env)
    p = subprocess.Popen([SSDSTREAM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=cwd or root or REPO,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return None, out.decode(errors="replace"), err.decode(errors="replace")


def stack_trace(text):
    """Whether output holds a .NET stack trace or an unhandled exception."""
    return bool(re.search(r"^\s+at [\w.<>`]+[.(]", text, re.M) or "Unhandled exception" in text
                or re.search(r"\b\w+(\.\w+)*Exception: ", text) and "   at " in text)


# ---------------------------------------------------------------------------------------------- the daemon

def daemon_configuration(cameras, http_port, mqtt_port, embedded=True, threads=1, recording=None, mqtt=None, extra=None):
    """A daemon configuration: the demo model on the CPU, the given cameras, MQTT, the web API on http_port."""
    config = {
        "Logging": {"LogLevel": {"Default": "Information", "Microsoft": "Warning"}},
        "SsdStream": {
            "Model": {"Path": DEMO_MODEL, "Device": "cpu", "Threads": threads},
            "Inference": {"MaxBatch": 4},
            "Cameras": cameras,
            "Mqtt": {"Host": "" if embedded else "127.0.0.1", "Port": mqtt_port, "EmbeddedPort": mqtt_port,
                     "ClientId": "ssdstream-drill-%06x" % random.getrandbits(24), "KeepAliveSeconds": 5,
                     "StatsIntervalSeconds": 0, **(mqtt or {})},
            "Recording": recording or {"Enabled": False},
            "Http": {"Enabled": True, "Urls": f"http://127.0.0.1:{http_port}"},
            "StatusIntervalSeconds": 5,
        },
    }
    for key, value in (extra or {}).items():
        config["SsdStream"][key] = value
    return config


def stream_camera(name, url, **settings):
    return {"Name": name, "Type": "stream", "Source": url, **settings}


def synthetic_camera(name, width=320, height=240, fps=10, seed=1, **settings):
    return {"Name": name, "Type": "synthetic", "Synthetic": {"Width": width, "Height": height, "Fps": fps, "Seed": seed}, **settings}


class Daemon:
    """`ssdstream run` as a process of its own (its own session, so a drill's signals reach only it), with
    SSDSTREAM_ROOT at root, appsettings.json written there, and its output in root/daemon-N.log."""

    def __init__(self, root, configuration, args=()):
        self.root = root
        self.configuration = configuration
        self.args = list(args)
        self.process = None
        self.starts = 0
        self.http_port = int(configuration["SsdStream"]["Http"]["Urls"].rsplit(":", 1)[1])

    @property
    def pid(self):
        return self.process.pid

    @property
    def log_path(self):
        return os.path.join(self.root, f"daemon-{self.starts}.log")

    def start(self):
        with open(os.path.join(self.root, "appsettings.json"), "w") as f:
            json.dump(self.configuration, f, indent=1)
        self.starts += 1
        env = dict(os.environ, SSDSTREAM_ROOT=self.root)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([SSDSTREAM, "run", *self.args], stdout=log, stderr=subprocess.STDOUT, env=env,
                                            cwd=self.root, start_new_session=True)
        return self

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def api(self, path, timeout=5):
        """GET path of the daemon's HTTP API as JSON (or text), None when it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=timeout) as r:
                body = r.read().decode()
            return json.loads(body) if body[:1] in "[{" else body
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, json.JSONDecodeError):
            return None

    def cameras(self):
        """{name: camera} from /api/cameras, or {} when the API does not answer."""
        return {c["name"]: c for c in self.api("/api/cameras") or []}

    def metrics(self):
        """The Prometheus text of /metrics as {name{labels}: value}."""
        text = self.api("/metrics") or ""
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                try:
                    values[key] = float(value)
                except ValueError:
                    pass
        return values

    def wait_streaming(self, camera, after=0.0, timeout=90):
        """Waits until camera is streaming in a state that began at or after `after` (Unix seconds); returns
        the state's start time, or None."""
        def streaming():
            if not self.alive():
                raise DrillFailure(f"the daemon exited with code {self.process.returncode}:\n{self.log()[-3000:]}")
            c = self.cameras().get(camera)
            if c and c["state"] == "streaming" and c["since"] and parse_time(c["since"]) >= after:
                return parse_time(c["since"])
            return None
        return wait_until(streaming, timeout, 0.05)

    def resources(self):
        return resources(self.pid)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, timeout=60):
        """SIGTERM and wait: the exit code, or None when it did not stop in time (it is then killed)."""
        if not self.alive():
            return self.process.returncode
        self.signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait()


# ---------------------------------------------------------------------------------------------- servers

class RtspServer:
    """The tests' GStreamer RTSP server script on a loopback port: a live H.264 test pattern at rtsp://127.0.0.1:PORT/cam."""

    def __init__(self, width=320, height=240, fps=10, port=None):
        self.port = port or free_port()
        self.size = (width, height, fps)
        self.process = None

    @property
    def url(self):
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def start(self, attempts=20):
        """Starts the server; returns once it listens (the port may still be held for a moment after a kill)."""
        for _ in range(attempts):
            self.process = subprocess.Popen(["/usr/bin/python3", RTSP_SCRIPT, str(self.port), *map(str, self.size)],
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
            line = self.process.stdout.readline().decode().strip()
            if line == "ready":
                return self
            self.process.wait()
            time.sleep(0.25)
        raise DrillFailure(f"the RTSP server did not start on port {self.port}: {line}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
        if self.process:
            self.process.wait()
            self.process.stdout.close()
        self.process = None

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)


class Mosquitto:
    """A real mosquitto on a loopback port that keeps sessions across restarts (persistence in folder),
    running as this user (as root it would switch to a user that cannot write there)."""

    def __init__(self, folder, port=None):
        self.port = port or free_port()
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.config = os.path.join(folder, "mosquitto.conf")
        with open(self.config, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nuser {getpass.getuser()}\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {folder}/\nautosave_interval 1\nmax_queued_messages 1000000\n"
                    f"max_inflight_messages 0\nlog_dest file {folder}/mosquitto.log\nlog_type error\nlog_type warning\n")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["mosquitto", "-c", self.config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        def listening():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False
        if not wait_until(listening, 15, 0.05):
            raise DrillFailure(f"mosquitto did not listen on {self.port}")
        return self

    def stop(self):
        """Stops it as a service manager does (SIGTERM: it saves its sessions)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Subscriber:
    """mosquitto_sub with a persistent session (QoS 1, clean session off), which reconnects by itself; every
    message is a line 'RECEIVED_UNIX_SECONDS TOPIC PAYLOAD' in its output file."""

    def __init__(self, port, topic, output, persistent=True):
        self.output = output
        args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", topic, "-F", "%U %t %p"]
        if persistent:
            args += ["-c", "-i", "drill-sub-%06x" % random.getrandbits(24)]
        self._file = open(output, "wb")
        self.process = subprocess.Popen(["stdbuf", "-oL", *args], stdout=self._file, stderr=subprocess.DEVNULL, start_new_session=True)

    def messages(self):
        """[(received, topic, payload)] so far."""
        result = []
        with open(self.output, errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 2)
                if len(parts) == 3:
                    try:
                        result.append((float(parts[0]), parts[1], parts[2]))
                    except ValueError:
                        pass
        return result

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        self._file.close()


class Cleanup:
    """Stops what a drill started, in reverse, whatever happened."""

    def __init__(self):
        self._actions = []

    def add(self, action):
        self._actions.append(action)
        return action

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for action in reversed(self._actions):
            try:
                action()
            except Exception:  # noqa: BLE001 - cleaning up must go on
                pass
        return False


def new_temp(prefix):
    return tempfile.mkdtemp(prefix=prefix)
