#!/usr/bin/env bash
# Fault drills (README, "Reliability"): each drill runs a fault many times against the real programs on
# loopback (GStreamer's RTSP server as the tests start it, mosquitto, and the daemon and the other commands
# through ./ssdstream after its Release build) and prints one line of figures; the exit code is 0 when every
# drill held.
#   scripts/drills.sh            the full counts (about two hours on 2 cores, with a one-hour soak)
#   scripts/drills.sh --quick    a short version of each (a few minutes; scripts/test.sh runs it)
#   scripts/drills.sh --only rtsp-restarts,hangs --count 10 --seed 7 --soak-minutes 5   (see --help)
# Details and the daemons' logs of the last run are under artifacts/drills/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/deps.sh test
# Builds the service in Release when its sources changed (the drills then start it many times).
./ssdstream --help >/dev/null
# Debian's python3 (python3-gi, which the RTSP server needs, comes with it): the drills use its standard library only.
exec /usr/bin/python3 "$root/scripts/drills/run.py" "$@"
