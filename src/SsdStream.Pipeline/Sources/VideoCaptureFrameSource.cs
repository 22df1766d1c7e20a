using System.Runtime.CompilerServices;
using OpenCvSharp;

namespace SsdStream.Pipeline.Sources;

/// <summary>
/// Video files and V4L2 devices (<c>/dev/video0</c> or an index) through OpenCV's VideoCapture. A file is
/// read at its own frame rate (as a camera would deliver it) unless <c>realtime</c> is off, and can loop.
/// </summary>
public sealed class VideoCaptureFrameSource : IFrameSource
{
    private readonly string _path;
    private readonly bool _loop;
    private readonly bool _realtime;
    private readonly double? _maxFps;

    /// <param name="path">A file path, a device path (<c>/dev/videoN</c>) or a device index.</param>
    /// <param name="loop">Start a file again at its end instead of ending.</param>
    /// <param name="realtime">Pace a file at its frame rate (devices pace themselves).</param>
    /// <param name="maxFps">Deliver at most this many frames per second, evenly spaced; the others are decoded
    /// (the codec needs them) but not converted (<see cref="FrameRateCap"/>).</param>
    public VideoCaptureFrameSource(string path, bool loop = false, bool realtime = true, double? maxFps = null)
    {
        _path = path;
        _loop = loop;
        _realtime = realtime;
        _maxFps = maxFps;
        IsDevice = int.TryParse(path, out _) || path.StartsWith("/dev/video", StringComparison.Ordinal);
    }

    public bool IsDevice { get; }

    public string Description => IsDevice ? $"device {_path}" : $"file {_path}";

    public double? FramesPerSecond { get; private set; }

    /// <summary>Whether the end of the stream is the end of the camera (a file that does not loop).</summary>
    public bool EndIsFinal => !IsDevice && !_loop;

    /// <summary>OpenCV's CAP_PROP_N_THREADS (open-only, FFmpeg back-end): decoder threads.</summary>
    private const int CapPropNThreads = 70;

    /// <summary>
    /// Opens a file with one decoder thread. FFmpeg's default, a thread per core for every camera, made
    /// four 30 fps cameras on 2 cores preempt inference's threads constantly: 28 frames/s processed
    /// against 36 with one decoder thread each (<c>ssdstream bench --cameras 4 --realtime</c>). Back-ends
    /// that do not take the setting open the file as usual.
    /// </summary>
    private static VideoCapture OpenFile(string path)
    {
        var capture = new VideoCapture(path, VideoCaptureAPIs.ANY, [CapPropNThreads, 1]);
        if (capture.IsOpened()) return capture;
        capture.Dispose();
        return new VideoCapture(path);
    }

    public async IAsyncEnumerable<CapturedImage> ReadAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        if (!IsDevice && !File.Exists(_path)) throw new FrameSourceException($"{Description}: no such file");
        var capture = IsDevice && int.TryParse(_path, out int index)
            ? new VideoCapture(index, VideoCaptureAPIs.V4L2)
            : IsDevice ? new VideoCapture(_path, VideoCaptureAPIs.V4L2) : OpenFile(_path);
        try
        {
            if (!capture.IsOpened()) throw new FrameSourceException($"{Description}: cannot be opened");
            double fps = capture.Fps;
            double? nativeFps = fps is > 0 and < 1000 ? fps : null;
            FramesPerSecond = FrameRateCap.KeptRate(_maxFps, nativeFps);
            var interval = _realtime && !IsDevice && nativeFps is { } f ? TimeSpan.FromSeconds(1 / f) : TimeSpan.Zero;
            var cap = new FrameRateCap(_maxFps);
            var pacer = new FramePacer(interval);
            int framesThisPass = 0;
            long framesRead = 0;
            while (!cancellation.IsCancellationRequested)
            {
                await pacer.WaitAsync(cancellation).ConfigureAwait(false);
                // A file is capped on its own time line, so the same frames are kept at any decoding speed;
                // a device on the wall clock. A frame the cap skips is only grabbed (decoded), never
                // converted to BGR nor copied out.
                var position = !IsDevice && nativeFps is { } rate ? TimeSpan.FromSeconds(framesRead / rate) : pacer.Elapsed;
                var mat = cap.IsDue(position) ? new Mat() : null;
                bool ok = await Task.Run(() => mat is null ? capture.Grab() : capture.Read(mat) && !mat.Empty(), CancellationToken.None).ConfigureAwait(false);
                if (!ok)
                {
                    mat?.Dispose();
                    if (!IsDevice && _loop && framesThisPass > 0)
                    {
                        capture.Set(VideoCaptureProperties.PosFrames, 0);
                        framesThisPass = 0;
                        continue;
                    }
                    if (IsDevice) throw new FrameSourceException($"{Description}: stopped delivering frames");
                    if (framesThisPass == 0) throw new FrameSourceException($"{Description}: holds no frames that can be decoded");
                    yield break;
                }
                framesThisPass++;
                framesRead++;
                if (mat is null) continue;
                cap.Taken(position);
                yield return new CapturedImage(mat, DateTimeOffset.UtcNow);
            }
        }
        finally
        {
            capture.Dispose();
        }
    }
}
