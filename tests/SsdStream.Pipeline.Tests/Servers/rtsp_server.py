#!/usr/bin/env python3
"""A real RTSP server for the integration tests: GStreamer's RTSP server on 127.0.0.1 serving a live
test pattern as H.264 at rtsp://127.0.0.1:PORT/cam.  Usage: rtsp_server.py PORT [WIDTH HEIGHT FPS]
Prints 'ready' once it listens.  Killing it is a camera dropping out; SIGSTOP is a camera that stalls."""
import sys
import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer, GLib  # noqa: E402

port = sys.argv[1]
width, height, fps = (sys.argv[2:5] + ["640", "480", "15"][len(sys.argv[2:5]):])[:3]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={fps}/1 "
    f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} ! rtph264pay name=pay0 pt=96 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    print("could not listen on port " + port, flush=True)
    sys.exit(1)
print("ready", flush=True)
GLib.MainLoop().run()
