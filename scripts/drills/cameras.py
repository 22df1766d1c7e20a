"""Camera drills: an RTSP camera killed and restarted many times, and a camera that hangs (its server
stopped with SIGSTOP, or the daemon's ffmpeg child stopped)."""
import os
import random
import signal
import time

from harness import (Failures, Cleanup, Daemon, DrillFailure, RtspServer, daemon_configuration, ffmpeg_processes, free_port,
                     parse_time, percentile, stream_camera, wait_until, workdir, zombie_children)

CAMERA = "door"


def _start(name, server, cleanup, **camera):
    root = workdir(name)
    config = daemon_configuration([stream_camera(CAMERA, server.url, MaxFps=5, **camera)], free_port(), free_port())
    daemon = Daemon(root, config).start()
    cleanup.add(daemon.kill)
    if not daemon.wait_streaming(CAMERA, timeout=120):
        raise DrillFailure(f"{CAMERA} never streamed:\n{daemon.log()[-3000:]}")
    return daemon


def rtsp_restarts(rounds, rng):
    """Kills the RTSP server and starts it again `rounds` times, up and down 0.5-10 s each at random; counts
    recoveries, the time from the server being back to the camera's first frame, and what the daemon holds."""
    with Cleanup() as cleanup:
        server = RtspServer().start()
        cleanup.add(server.kill)
        daemon = _start("rtsp-restarts", server, cleanup)
        time.sleep(5)
        before = daemon.resources()
        recovered, times, failures = 0, [], Failures("rtsp-restarts")
        for i in range(rounds):
            time.sleep(rng.uniform(0.5, 10))
            server.kill()
            killed = time.time()
            time.sleep(rng.uniform(0.5, 10))
            server.start()
            back = time.time()
            # A new streaming state, begun after the kill: the camera saw the loss and got a frame again.
            since = daemon.wait_streaming(CAMERA, after=killed, timeout=90)
            if since is None:
                failures.append(f"round {i + 1}: no frame within 90 s of the server's return")
                continue
            recovered += 1
            times.append(max(0.0, since - back))
        time.sleep(5)
        after = daemon.resources()
        # One reader for the one camera; any other is left over (a zombie is one never reaped).
        readers = ffmpeg_processes(server.url)
        leaked = len(readers) - 1 + len(zombie_children(daemon.pid))
        code = daemon.stop()
        holds = (recovered == rounds and leaked == 0 and code == 0 and after["fds"] - before["fds"] <= 5
                 and after["threads"] - before["threads"] <= 5)
        line = (f"{recovered}/{rounds} recovered; frames again after the server is back p50 {percentile(times, 50):.1f} s, "
                f"p99 {percentile(times, 99):.1f} s (max {max(times):.1f}); ffmpeg leaked {leaked}; "
                f"fds {before['fds']} -> {after['fds']}, threads {before['threads']} -> {after['threads']}, "
                f"RSS {before['rss_mb']:.0f} -> {after['rss_mb']:.0f} MB; clean stop exit {code}") if times else \
            f"0/{rounds} recovered"
        return holds, line, failures


def hangs(rounds, rng, stall=4.0):
    """A camera that hangs, `rounds` times, alternating: the RTSP server stopped (SIGSTOP; it answers nothing)
    and the daemon's ffmpeg child stopped (it reads and writes nothing). Each must be seen within the stall
    timeout and recovered, and a stopped ffmpeg must be gone."""
    with Cleanup() as cleanup:
        server = RtspServer().start()
        cleanup.add(server.kill)
        daemon = _start("hangs", server, cleanup, StallTimeoutSeconds=stall, ReconnectInitialSeconds=1, ReconnectMaxSeconds=4)
        detections, recoveries, failures = [], [], Failures("hangs")
        stopped_readers_left = 0
        for i in range(rounds):
            kind = "server" if i % 2 == 0 else "ffmpeg"
            time.sleep(rng.uniform(1, 3))
            reader = None
            if kind == "server":
                server.pause()
            else:
                readers = [p for p in ffmpeg_processes(server.url) if p[1] == daemon.pid]
                if len(readers) != 1:
                    failures.append(f"round {i + 1}: {len(readers)} ffmpeg readers before the hang")
                    continue
                reader = readers[0][0]
                os.kill(reader, signal.SIGSTOP)
            hung = time.time()

            def away():
                c = daemon.cameras().get(CAMERA)
                if c and c["state"] != "streaming" and c["since"] and parse_time(c["since"]) >= hung:
                    return parse_time(c["since"]), c["reason"]
                return None
            seen = wait_until(away, stall + 30, 0.05)
            if kind == "server":
                server.resume()
            if seen is None:
                failures.append(f"round {i + 1} ({kind}): the hang was never reported")
                if reader:
                    os.kill(reader, signal.SIGCONT)
                continue
            detections.append(seen[0] - hung)
            if "no frame" not in (seen[1] or ""):
                failures.append(f"round {i + 1} ({kind}): reported as '{seen[1]}'")
            since = daemon.wait_streaming(CAMERA, after=seen[0], timeout=90)
            if since is None:
                failures.append(f"round {i + 1} ({kind}): not streaming again within 90 s")
                continue
            recoveries.append(since - seen[0])
            if reader and wait_until(lambda: not os.path.exists(f"/proc/{reader}"), 10) is None:
                stopped_readers_left += 1
                failures.append(f"round {i + 1}: the stopped ffmpeg {reader} is still there after recovery")
        time.sleep(2)
        leaked = len(ffmpeg_processes(server.url)) - 1 + len(zombie_children(daemon.pid))
        code = daemon.stop()
        late = [d for d in detections if d > stall + 1.0]
        holds = not failures and len(recoveries) == rounds and not late and leaked == 0 and code == 0
        line = (f"{len(detections)}/{rounds} hangs detected ({(rounds + 1) // 2} server SIGSTOP, {rounds // 2} ffmpeg SIGSTOP), "
                f"after max {max(detections, default=0):.1f} s (stall timeout {stall:.0f} s); {len(recoveries)}/{rounds} recovered, "
                f"p50 {percentile(recoveries, 50) if recoveries else 0:.1f} s after detection; stopped ffmpeg left "
                f"{stopped_readers_left}, ffmpeg leaked {leaked}; clean stop exit {code}")
        return holds, line, failures
