"""Broker drill: a real mosquitto restarted while the daemon publishes detections messages, counted by a
persistent subscriber by their message_sequence; once with an outbox that holds the outages (nothing may be
lost), once with a small one (what is missing must be what the daemon counted as dropped)."""
import json
import os
import random
import time

from harness import (Failures, SHAPES, Cleanup, Daemon, DrillFailure, Mosquitto, Subscriber, daemon_configuration, free_port,
                     synthetic_camera, wait_until, workdir)

CAMERAS = ["a", "b", "c"]


def _metric(daemon, name):
    """The value of a metric without labels from /metrics (None when it is not there)."""
    for key, value in daemon.metrics().items():
        if key == name or key.startswith(name + "{"):
            return value
    return None


def _outage_run(folder, rounds, rng, outbox, down):
    """Runs `rounds` broker restarts against a daemon with this outbox size; returns the figures."""
    with Cleanup() as cleanup:
        broker = Mosquitto(os.path.join(folder, "mosquitto")).start()
        cleanup.add(broker.stop)
        subscriber = Subscriber(broker.port, "ssdstream/+/detections", os.path.join(folder, "messages.txt"))
        cleanup.add(subscriber.stop)
        time.sleep(1)
        # Every processed frame is published (empty ones too), nothing is detected (every label excluded), so
        # no events, and no stats: the detections are the only messages the outbox holds.
        cameras = [synthetic_camera(name, 160, 120, fps=10, seed=i + 1, Filter={"ExcludeLabels": SHAPES}, QueueCapacity=2)
                   for i, name in enumerate(CAMERAS)]
        config = daemon_configuration(cameras, free_port(), broker.port, embedded=False, threads=2,
                                      mqtt={"Qos": 1, "OutboxSize": outbox, "PublishEmptyFrames": True})
        config["SsdStream"]["Inference"]["MaxBatch"] = 8
        daemon = Daemon(folder, config).start()
        cleanup.add(daemon.kill)
        if not wait_until(lambda: len(subscriber.messages()) >= 30, 120):
            raise DrillFailure(f"no detections messages reached the subscriber:\n{daemon.log()[-3000:]}")
        downtime = 0.0
        for _ in range(rounds):
            time.sleep(rng.uniform(2, 5))
            broker.stop()
            pause = rng.uniform(*down)
            time.sleep(pause)
            downtime += pause
            broker.start()
        # Once the outbox has drained with the broker up, nothing more can be dropped.
        if not wait_until(lambda: _metric(daemon, "ssdstream_mqtt_outbox_size") == 0, 90, 0.5):
            raise DrillFailure(f"the outbox did not drain:\n{daemon.log()[-3000:]}")
        dropped = int(_metric(daemon, "ssdstream_mqtt_outbox_dropped_total") or 0)
        time.sleep(3)
        received = {name: set() for name in CAMERAS}
        duplicates = 0
        messages = subscriber.messages()
        for _, topic, payload in messages:
            message = json.loads(payload)
            seq = message["message_sequence"]
            if seq in received[message["camera"]]:
                duplicates += 1
            received[message["camera"]].add(seq)
        # Every message numbered up to the newest one received was published before it; those not received are lost.
        published = sum(max(r) for r in received.values())
        missing = sum(max(r) - len(r) for r in received.values())
        rate = published / (messages[-1][0] - messages[0][0])
        code = daemon.stop()
        return {"outbox": outbox, "published": published, "missing": missing, "dropped": dropped, "duplicates": duplicates,
                "rate": rate, "downtime": downtime, "code": code}


def restarts(rounds, rng, quick):
    """The broker restarted `rounds` times with a big outbox (outages of 1-4 s must all fit) and with an
    outbox of 20 (outages of 2-5 s overflow it)."""
    folder = workdir("broker-restarts")
    fits = _outage_run(os.path.join(folder, "outbox-1000"), rounds, rng, 1000, (1, 4))
    small = _outage_run(os.path.join(folder, "outbox-20"), rounds, rng, 20, (2, 5))
    failures = Failures("broker-restarts")
    if fits["missing"] or fits["dropped"]:
        failures.append(f"outbox 1000: {fits['missing']} messages missing, {fits['dropped']} dropped")
    if small["missing"] != small["dropped"]:
        failures.append(f"outbox 20: {small['missing']} messages missing but {small['dropped']} counted as dropped")
    if small["dropped"] == 0:
        failures.append("outbox 20: nothing overflowed; the drill did not test counting")
    for run in (fits, small):
        if run["code"] != 0:
            failures.append(f"outbox {run['outbox']}: the daemon's stop exited {run['code']}")
        if not quick and run["rate"] < 20:
            failures.append(f"outbox {run['outbox']}: published {run['rate']:.1f} msg/s, under 20")
    line = (f"{rounds} restarts each run; outbox 1000: {fits['missing']} lost of {fits['published']} "
            f"({fits['rate']:.1f} msg/s, {fits['dropped']} dropped, {fits['duplicates']} duplicates); outbox 20: "
            f"{small['missing']} missing = {small['dropped']} counted dropped of {small['published']} ({small['rate']:.1f} msg/s)")
    return not failures, line, failures
