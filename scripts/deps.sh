#!/usr/bin/env bash
# Makes sure the Debian packages SsdStream needs are installed.
#   scripts/deps.sh runtime   what the daemon needs (OpenCV's native runtime; ffmpeg for network cameras and H.264)
#   scripts/deps.sh test      the above plus the real servers the integration tests start (mosquitto, an RTSP server,
#                             PostgreSQL), headless Chromium with its WebDriver (the web page's tests), promtool (the
#                             /metrics test), systemd-analyze (the unit files' test) and ONNX's checker (python3-onnx,
#                             run on the exported graphs)
#   scripts/deps.sh bench     the runtime plus the 768x576 pedestrian clip the README's bench runs on
#                             (opencv-doc's /usr/share/doc/opencv-doc/examples/data/vtest.avi)
# As root it installs what is missing with apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

runtime=(libgtk-3-0 ffmpeg)
test=(mosquitto mosquitto-clients gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
      gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly python3-gi chromium chromium-driver prometheus postgresql systemd python3-onnx)
bench=(opencv-doc)

case "${1:-runtime}" in
  runtime) wanted=("${runtime[@]}") ;;
  test) wanted=("${runtime[@]}" "${test[@]}") ;;
  bench) wanted=("${runtime[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 runtime|test|bench" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "note: not a Debian-based system; make sure these are installed: ${wanted[*]}" >&2
  exit 0
fi

missing=()
for p in "${wanted[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then missing+=("$p"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "SsdStream needs these Debian packages: ${missing[*]}" >&2
  echo "install them with:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi
