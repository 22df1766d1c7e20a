"""Recording drill: SIGKILL of the daemon at random moments while it records, restarting it each time.
Every closed segment must decode completely, what was being written must be gone (or finished) after the
next start, no .part file may stay, and the events store must open after every crash."""
import glob
import os
import signal
import subprocess
import time

from harness import (Failures, Cleanup, Daemon, DrillFailure, daemon_configuration, ffmpeg_processes, free_port, ssdstream,
                     synthetic_camera, wait_until, workdir)


def _part_files(folder):
    return sorted(glob.glob(os.path.join(folder, "**", "*.part.*"), recursive=True))


def _decoded_frames(video):
    """Frames ffprobe decodes from a video (None when it cannot read it), and ffmpeg's decode errors."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                            "stream=nb_read_frames", "-of", "csv=p=0", video], capture_output=True, text=True)
    decode = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", video, "-f", "null", "-"], capture_output=True, text=True)
    try:
        frames = int(probe.stdout.strip().split(",")[0])
    except ValueError:
        frames = None
    return frames, (probe.stderr + decode.stderr).strip()


def kills(rounds, rng):
    """`rounds` SIGKILLs of a recording daemon (two synthetic cameras, 2 s segments), each 2-8 s after it
    began streaming, then a restart; a last start and a clean stop; then every segment is checked."""
    root = workdir("kill-recording")
    recordings = os.path.join(root, "recordings")
    cameras = [synthetic_camera("front", 320, 240, fps=10, seed=1), synthetic_camera("back", 320, 240, fps=10, seed=2)]
    config = daemon_configuration(cameras, free_port(), free_port(),
                                  recording={"Enabled": True, "Directory": "recordings", "SegmentSeconds": 2})
    failures = Failures("kill-recording")
    unfinished_at_kill = removed_or_finished = store_opens = encoders_left = 0
    with Cleanup() as cleanup:
        daemon = Daemon(root, config)
        cleanup.add(lambda: daemon.process and daemon.kill())
        for i in range(rounds + 1):
            daemon.start()
            if not daemon.wait_streaming("back", timeout=120):
                raise DrillFailure(f"start {i + 1}: not streaming:\n{daemon.log()[-3000:]}")
            if i > 0:
                # The start has removed (or the killed run's encoder finished) what the crash left.
                left = [p for p in left_by_crash if os.path.exists(p)]
                removed_or_finished += len(left_by_crash) - len(left)
                for p in left:
                    failures.append(f"start {i + 1}: {os.path.relpath(p, root)} from the crash is still there")
            if i == rounds:
                break
            time.sleep(rng.uniform(2, 8))
            daemon.kill()
            left_by_crash = _part_files(recordings)
            unfinished_at_kill += len(left_by_crash)
            # The killed daemon's encoders see the end of their input and finish on their own; none may stay.
            if wait_until(lambda: not ffmpeg_processes(recordings), 15) is None:
                encoders_left += len(ffmpeg_processes(recordings))
                failures.append(f"kill {i + 1}: {len(ffmpeg_processes(recordings))} encoders still running 15 s after the kill")
            code, out, err = ssdstream(["events", "--db", os.path.join(recordings, "events.db"), "--limit", "1"], root=root, timeout=120)
            if code == 0:
                store_opens += 1
            else:
                failures.append(f"kill {i + 1}: the events store does not open: exit {code}: {err.strip()[:300]}")
        code = daemon.stop()
        if code != 0:
            failures.append(f"the last run's clean stop exited {code}")
    parts_left = _part_files(recordings)
    for p in parts_left:
        failures.append(f"{os.path.relpath(p, root)} is left after the clean stop")
    segments = sorted(p for p in glob.glob(os.path.join(recordings, "*", "*", "*.mp4")) if ".part." not in p)
    complete, frames_total = 0, 0
    for video in segments:
        sidecar = os.path.splitext(video)[0] + ".jsonl"
        if not os.path.exists(sidecar):
            failures.append(f"{os.path.relpath(video, root)} has no sidecar")
            continue
        with open(sidecar) as f:
            written = sum(1 for line in f if line.strip())
        frames, errors = _decoded_frames(video)
        if frames != written or errors:
            failures.append(f"{os.path.relpath(video, root)}: {frames} frames decoded of {written} written{': ' + errors[:200] if errors else ''}")
            continue
        complete += 1
        frames_total += frames
    holds = not failures and complete == len(segments) > 0
    line = (f"{rounds} kills; {complete}/{len(segments)} closed segments decode completely ({frames_total} frames, as their sidecars "
            f"say); unfinished at the kills {unfinished_at_kill}, gone after the next start {removed_or_finished}; .part left "
            f"{len(parts_left)}; events store opens after {store_opens}/{rounds} kills; encoders left running {encoders_left}")
    return holds, line, failures
