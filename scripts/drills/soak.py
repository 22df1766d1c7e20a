"""Soak: four real RTSP cameras recorded and detected for --soak-minutes. RSS, live tensors (the inference
thread's), threads, open file descriptors and the latency p99 (capture to MQTT delivery) of the first and
the last window (ten minutes, or a third of a shorter run) must agree within 3%."""
import json
import os
import statistics
import time

from harness import (Failures, Cleanup, Daemon, DrillFailure, RtspServer, Subscriber, daemon_configuration, free_port, parse_time,
                     percentile, stream_camera, workdir)

NAMES = ["north", "south", "east", "west"]
FLAT = 0.03
JUDGED_FROM_MINUTES = 20


def _change(first, last):
    return (last - first) / first if first else (0.0 if last == first else float("inf"))


def run(count, rng, minutes, quick):
    root = workdir("soak")
    with Cleanup() as cleanup:
        servers = [RtspServer(320, 240, 10).start() for _ in NAMES]
        for s in servers:
            cleanup.add(s.kill)
        cameras = [stream_camera(name, s.url, MaxFps=5) for name, s in zip(NAMES, servers)]
        mqtt_port = free_port()
        # Every processed frame is published (the test pattern holds no shapes): its latency is measured.
        config = daemon_configuration(cameras, free_port(), mqtt_port, threads=2, mqtt={"PublishEmptyFrames": True},
                                      recording={"Enabled": True, "Directory": "recordings", "SegmentSeconds": 60, "MaxAgeHours": 1})
        config["SsdStream"]["Inference"]["MaxBatch"] = 4
        daemon = Daemon(root, config).start()
        cleanup.add(daemon.kill)
        for name in NAMES:
            if not daemon.wait_streaming(name, timeout=180):
                raise DrillFailure(f"{name} never streamed:\n{daemon.log()[-3000:]}")
        subscriber = Subscriber(mqtt_port, "ssdstream/+/detections", os.path.join(root, "messages.txt"), persistent=False)
        cleanup.add(subscriber.stop)
        time.sleep(30)  # warm-up: JIT, the allocator's first growth, the first segments
        started = time.time()
        end = started + minutes * 60
        samples = []
        interval = min(10.0, max(1.0, minutes))  # seconds: sixty samples a minute down to six
        while time.time() < end:
            if not daemon.alive():
                raise DrillFailure(f"the daemon exited with code {daemon.process.returncode}:\n{daemon.log()[-3000:]}")
            r = daemon.resources()
            metrics = daemon.metrics()
            r["live_tensors"] = next((v for k, v in metrics.items() if k.startswith("ssdstream_inference_live_tensors")), None)
            r["time"] = time.time()
            samples.append(r)
            time.sleep(min(interval, max(0.5, end - time.time())))
        cams = daemon.cameras()
        code = daemon.stop()
        messages = subscriber.messages()
    window = min(600, minutes * 60 / 3)
    first = [s for s in samples if s["time"] < started + window]
    last = [s for s in samples if s["time"] >= end - window]
    latencies = {"first": [], "last": []}
    for received, _, payload in messages:
        capture = parse_time(json.loads(payload)["capture_time"])
        if started <= capture < started + window:
            latencies["first"].append(received - capture)
        elif end - window <= capture < end:
            latencies["last"].append(received - capture)
    if not first or not last or not latencies["first"] or not latencies["last"]:
        raise DrillFailure(f"too few samples ({len(samples)}) or messages ({len(messages)}) to compare")
    figures = {
        "RSS MB": (statistics.median(s["rss_mb"] for s in first), statistics.median(s["rss_mb"] for s in last)),
        "live tensors": (statistics.median(s["live_tensors"] or 0 for s in first), statistics.median(s["live_tensors"] or 0 for s in last)),
        "threads": (max(s["threads"] for s in first), max(s["threads"] for s in last)),
        "fds": (max(s["fds"] for s in first), max(s["fds"] for s in last)),
        "latency p99 ms": (percentile(latencies["first"], 99) * 1000, percentile(latencies["last"], 99) * 1000),
    }
    failures = Failures("soak")
    judged = minutes >= JUDGED_FROM_MINUTES
    for name, (a, b) in figures.items():
        if judged and abs(_change(a, b)) > FLAT:
            failures.append(f"{name}: {a:.1f} in the first window, {b:.1f} in the last ({_change(a, b):+.1%})")
    streaming = sum(1 for c in cams.values() if c["state"] == "streaming")
    if streaming != len(NAMES):
        failures.append(f"{streaming}/{len(NAMES)} cameras streaming at the end: {cams}")
    if code != 0:
        failures.append(f"the stop exited {code}")
    processed = sum(c["processed"] for c in cams.values())
    parts = "; ".join(f"{name} {a:.0f} -> {b:.0f} ({_change(a, b):+.1%})" for name, (a, b) in figures.items())
    line = (f"{minutes:g} min, {len(NAMES)} RTSP cameras, {processed} frames processed, {len(messages)} messages; first vs last "
            f"{window / 60:.1f} min: {parts}" + ("" if judged else f" (flatness is judged from {JUDGED_FROM_MINUTES} min)"))
    return not failures, line, failures
