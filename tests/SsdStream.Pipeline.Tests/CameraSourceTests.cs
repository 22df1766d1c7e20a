using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Tests;

public sealed class CameraSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-src-").FullName;
    private readonly PipelineMetrics _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly ReconnectPolicy Fast = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));

    private ResilientCamera Camera(string id, Func<IFrameSource> source, TimeSpan stall, ConcurrentQueue<CameraStateChange> states)
    {
        var camera = new ResilientCamera(id, source, Fast, stall, _metrics.Camera(id), NullLogger.Instance);
        camera.StateChanged += states.Enqueue;
        return camera;
    }

    [Fact]
    public async Task VideoFile_DeliversEveryFrameInOrder_ThenStops()
    {
        var path = TestMedia.WriteVideo(_dir, 30);
        var states = new ConcurrentQueue<CameraStateChange>();
        var camera = Camera("file", () => new VideoCaptureFrameSource(path, loop: false, realtime: false), TimeSpan.FromSeconds(5), states);
        var channel = Channel.CreateUnbounded<Frame>();
        await camera.RunAsync(channel.Writer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var frames = new List<Frame>();
        await foreach (var f in channel.Reader.ReadAllAsync()) frames.Add(f);
        Assert.Equal(30, frames.Count);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), frames.Select(f => f.Sequence));
        Assert.All(frames, f => Assert.Equal((320, 240), (f.Width, f.Height)));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.First.CaptureTime <= p.Second.CaptureTime));
        foreach (var f in frames) f.Dispose();
        Assert.Equal(CameraState.Stopped, camera.State);
        Assert.Equal([CameraState.Connecting, CameraState.Streaming, CameraState.Stopped], states.Select(s => s.State));
    }

    [Fact]
    public async Task VideoFile_InRealtime_IsPacedAtItsFrameRate()
    {
        var path = TestMedia.WriteVideo(_dir, 20, fps: 20);
        var camera = Camera("paced", () => new VideoCaptureFrameSource(path, realtime: true), TimeSpan.FromSeconds(5), new());
        var channel = Channel.CreateUnbounded<Frame>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await camera.RunAsync(channel.Writer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.8, 3);
        while (channel.Reader.TryRead(out var f)) f.Dispose();
    }

    [Fact]
    public async Task VideoFile_Looping_KeepsStreamingWithIncreasingSequence()
    {
        var path = TestMedia.WriteVideo(_dir, 10);
        var camera = Camera("loop", () => new VideoCaptureFrameSource(path, loop: true, realtime: false), TimeSpan.FromSeconds(5), new());
        var channel = Channel.CreateUnbounded<Frame>();
        using var cts = new CancellationTokenSource();
        var run = camera.RunAsync(channel.Writer, cts.Token);
        var seen = new List<long>();
        await foreach (var f in channel.Reader.ReadAllAsync())
        {
            seen.Add(f.Sequence);
            f.Dispose();
            if (seen.Count == 35) cts.Cancel();
        }
        await run;
        Assert.True(seen.Count >= 35);
        Assert.Equal(seen.Order(), seen);
    }

    [Theory]
    [InlineData("opencv", 10.0)]
    [InlineData("opencv", 12.0)]
    [InlineData("opencv", 60.0)]
    [InlineData("opencv", 0.0)]
    [InlineData("ffmpeg", 10.0)]
    [InlineData("ffmpeg", 12.0)]
    [InlineData("ffmpeg", 60.0)]
    public async Task MaxFps_KeepsEvenlySpacedFramesOfTheVideo_AndNeverDuplicates(string reader, double maxFps)
    {
        // 60 frames at 30 fps (two seconds of video), read as fast as possible: the cap follows the video's
        // own time line, so the same frames are kept whatever the machine's speed. Both readers (OpenCV for
        // files and devices, an ffmpeg process for streams) keep the same frames.
        var path = TestMedia.WriteNumberedVideo(_dir, 60, fps: 30);
        IFrameSource Source(double? cap) => reader == "opencv"
            ? new VideoCaptureFrameSource(path, loop: false, realtime: false, maxFps: cap)
            : new FfmpegFrameSource(new FfmpegSourceOptions(path, MaxFps: cap), NullLogger.Instance);
        // Each frame is a flat grey, brighter frame by frame: the uncapped read gives every frame's level
        // as this reader decodes it, and a kept frame's index is the nearest level.
        var levels = await MeanLevels(Source(null));
        Assert.Equal(60, levels.Count);
        var source = Source(maxFps > 0 ? maxFps : null);
        var kept = (await MeanLevels(source)).Select(l => Enumerable.Range(0, levels.Count).MinBy(i => Math.Abs(levels[i] - l))).ToList();
        // The j-th kept frame is the first at or after j / maxFps seconds: every third frame for 10 fps,
        // gaps of 3 and 2 frames for 12 fps, all 60 once each for a cap above the video's rate or none.
        double rate = Math.Min(maxFps > 0 ? maxFps : 30, 30);
        var expected = Enumerable.Range(0, (int)(2 * rate)).Select(j => (int)Math.Ceiling(j * 30 / rate)).ToList();
        Assert.Equal(expected, kept);
        // The rate consumers see (the recorder encodes at it) is the kept rate.
        Assert.Equal(rate, source.FramesPerSecond!.Value, 3);
    }

    [Fact]
    public async Task MissingFile_BacksOffAndRetries()
    {
        var states = new ConcurrentQueue<CameraStateChange>();
        var camera = Camera("missing", () => new VideoCaptureFrameSource(Path.Combine(_dir, "nope.mp4")), TimeSpan.FromSeconds(5), states);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await camera.RunAsync(Channel.CreateUnbounded<Frame>().Writer, cts.Token);
        var backoffs = states.Where(s => s.State == CameraState.BackingOff).ToList();
        Assert.True(backoffs.Count >= 2);
        Assert.Contains("no such file", backoffs[0].Reason);
        Assert.True(_metrics.Camera("missing").Reconnects >= 1);
    }

    [Fact]
    public async Task SourceFailingWithAnUnexpectedError_BacksOffAndStreamsAgain()
    {
        // The first connection breaks with an error no source is expected to throw; the camera must not end.
        var states = new ConcurrentQueue<CameraStateChange>();
        int connections = 0;
        var camera = Camera("odd", () => new BreakingSource(Interlocked.Increment(ref connections) == 1), TimeSpan.FromSeconds(5), states);
        var channel = Channel.CreateUnbounded<Frame>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = camera.RunAsync(channel.Writer, cts.Token);
        var frames = await ReadFrames(channel.Reader, 3, cts.Token);
        foreach (var f in frames) f.Dispose();
        await cts.CancelAsync();
        await run;
        var backoff = Assert.Single(states, s => s.State == CameraState.BackingOff);
        Assert.Contains("unexpected IOException: pipe broke", backoff.Reason);
        Assert.True(connections >= 2);
    }

    [Fact]
    public async Task AStreamThatBreaksAfterFrames_ReconnectsAfterTheShortestDelay_NotWhereEarlierFailuresLeftTheBackoff()
    {
        // Four refused connections, one that streams and then breaks (as an RTSP stream ends: the source
        // throws), then streams for good. The break comes after a success: its backoff starts again at 0.2 s.
        var states = new ConcurrentQueue<CameraStateChange>();
        int connections = 0;
        var policy = new ReconnectPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), Jitter: 0);
        var camera = new ResilientCamera("flaky", () => new FlakySource(Interlocked.Increment(ref connections)), policy, TimeSpan.FromSeconds(5),
            _metrics.Camera("flaky"), NullLogger.Instance);
        camera.StateChanged += states.Enqueue;
        var channel = Channel.CreateUnbounded<Frame>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = camera.RunAsync(channel.Writer, cts.Token);
        while (Volatile.Read(ref connections) < 6 || states.Count(s => s.State == CameraState.Streaming) < 2) await Task.Delay(20, cts.Token);
        await cts.CancelAsync();
        await run;
        while (channel.Reader.TryRead(out var f)) f.Dispose();
        var delays = states.Where(s => s.State == CameraState.BackingOff).Select(s => s.Reason[(s.Reason.LastIndexOf("in ", StringComparison.Ordinal) + 3)..]).ToList();
        Assert.Equal(["0.2 s", "0.4 s", "0.8 s", "1.6 s", "0.2 s"], delays.Take(5));
    }

    /// <summary>Connections 1-4 are refused, 5 delivers three frames and breaks, later ones stream.</summary>
    private sealed class FlakySource(int connection) : IFrameSource
    {
        public string Description => "flaky source";

        public double? FramesPerSecond => 10;

        public async IAsyncEnumerable<CapturedImage> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
        {
            if (connection <= 4) throw new FrameSourceException("connection refused");
            for (int i = 0; connection > 5 || i < 3; i++)
            {
                await Task.Delay(20, cancellation);
                yield return new CapturedImage(new OpenCvSharp.Mat(4, 4, OpenCvSharp.MatType.CV_8UC3), DateTimeOffset.UtcNow);
            }
            throw new FrameSourceException("stream ended");
        }
    }

    [Fact]
    public async Task StalledSource_IsClosedWhenItsStuckReadFinallyReturns()
    {
        // A read stuck in native code cannot be cancelled; once it returns, the abandoned source must be
        // closed (its device released, its process killed) rather than left to a finalizer.
        var states = new ConcurrentQueue<CameraStateChange>();
        var stuck = new StuckSource();
        int connections = 0;
        var camera = Camera("stuck", () => Interlocked.Increment(ref connections) == 1 ? stuck : new BreakingSource(false), TimeSpan.FromMilliseconds(500), states);
        var channel = Channel.CreateUnbounded<Frame>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = camera.RunAsync(channel.Writer, cts.Token);
        await WaitForState(states, CameraState.BackingOff, cts.Token);
        Assert.False(stuck.Closed.Task.IsCompleted);
        stuck.Release.TrySetResult();
        await stuck.Closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        await run;
        while (channel.Reader.TryRead(out var f)) f.Dispose();
    }

    /// <summary>Yields one frame, then blocks in a read that ignores cancellation until released; says when it is closed.</summary>
    private sealed class StuckSource : IFrameSource
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Description => "stuck source";

        public double? FramesPerSecond => 10;

        public async IAsyncEnumerable<CapturedImage> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
        {
            try
            {
                yield return new CapturedImage(new OpenCvSharp.Mat(4, 4, OpenCvSharp.MatType.CV_8UC3), DateTimeOffset.UtcNow);
                await Release.Task;
                yield return new CapturedImage(new OpenCvSharp.Mat(4, 4, OpenCvSharp.MatType.CV_8UC3), DateTimeOffset.UtcNow);
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            finally
            {
                Closed.TrySetResult();
            }
        }
    }

    private sealed class BreakingSource(bool breaks) : IFrameSource
    {
        public string Description => "breaking source";

        public double? FramesPerSecond => 10;

        public async IAsyncEnumerable<CapturedImage> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
        {
            if (breaks) throw new IOException("pipe broke");
            while (true)
            {
                await Task.Delay(20, cancellation);
                yield return new CapturedImage(new OpenCvSharp.Mat(4, 4, OpenCvSharp.MatType.CV_8UC3), DateTimeOffset.UtcNow);
            }
        }
    }

    [Fact]
    public async Task Rtsp_ServerDropsOut_SourceBacksOffThenStreamsAgain()
    {
        using var server = new RtspTestServer();
        var states = new ConcurrentQueue<CameraStateChange>();
        var camera = Camera("rtsp", () => new FfmpegFrameSource(new FfmpegSourceOptions(server.Url), NullLogger.Instance), TimeSpan.FromSeconds(3), states);
        var channel = Channel.CreateUnbounded<Frame>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = camera.RunAsync(channel.Writer, cts.Token);

        var before = await ReadFrames(channel.Reader, 10, cts.Token);
        Assert.Equal((server.Width, server.Height), (before[0].Width, before[0].Height));
        server.Kill();
        await WaitForState(states, CameraState.BackingOff, cts.Token);
        while (channel.Reader.TryRead(out var stale)) { before.Add(stale); }
        server.Start();
        await WaitForState(states, CameraState.Streaming, cts.Token, after: CameraState.BackingOff);
        var after = await ReadFrames(channel.Reader, 10, cts.Token);
        cts.Cancel();
        await run;

        Assert.True(after[0].Sequence > before[^1].Sequence);
        var all = before.Concat(after).Select(f => f.Sequence).ToList();
        Assert.Equal(all.Order(), all);
        Assert.True(_metrics.Camera("rtsp").Reconnects >= 1);
        Assert.Equal(CameraState.Stopped, camera.State);
        foreach (var f in before.Concat(after)) f.Dispose();
        while (channel.Reader.TryRead(out var f)) f.Dispose();
    }

    [Fact]
    public async Task Rtsp_StalledStream_IsDetectedWithinTheStallTimeout()
    {
        using var server = new RtspTestServer();
        var stall = TimeSpan.FromSeconds(2);
        var states = new ConcurrentQueue<CameraStateChange>();
        var camera = Camera("stall", () => new FfmpegFrameSource(new FfmpegSourceOptions(server.Url), NullLogger.Instance), stall, states);
        var channel = Channel.CreateUnbounded<Frame>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = camera.RunAsync(channel.Writer, cts.Token);
        var frames = await ReadFrames(channel.Reader, 10, cts.Token);

        server.Pause(); // the server process lives on, its socket stays open, no frame comes
        var paused = DateTimeOffset.UtcNow;
        var backoff = await WaitForState(states, CameraState.BackingOff, cts.Token);
        // The last frame may still be on its way when the server stops: allow one frame interval and scheduling slack.
        Assert.InRange((backoff.Time - paused).TotalSeconds, stall.TotalSeconds - 0.5, stall.TotalSeconds + 1.0);
        Assert.Contains("no frame for 2 s", backoff.Reason);

        server.Resume();
        await WaitForState(states, CameraState.Streaming, cts.Token, after: CameraState.BackingOff);
        cts.Cancel();
        await run;
        foreach (var f in frames) f.Dispose();
        while (channel.Reader.TryRead(out var f)) f.Dispose();
    }

    [Fact]
    public void UrlMasker_HidesPasswords()
    {
        Assert.Equal("rtsp://admin:***@10.0.0.5:554/h264", UrlMasker.Mask("rtsp://admin:hunter2@10.0.0.5:554/h264"));
        Assert.Equal("opening rtsp://u:***@cam/x now", UrlMasker.Mask("opening rtsp://u:p%40ss@cam/x now"));
        Assert.Equal("rtsp://cam/x", UrlMasker.Mask("rtsp://cam/x"));
        Assert.Equal("error at *** and rtsp://u:***@h/", UrlMasker.MaskIn("error at hunter2 and rtsp://u:hunter2@h/", "rtsp://u:hunter2@h/"));
        // Passwords with raw '@' (ffmpeg takes the last '@' of the authority) or '/'.
        Assert.Equal("rtsp://admin:***@cam:554/live", UrlMasker.Mask("rtsp://admin:p@ss@cam:554/live"));
        Assert.Equal("rtsp://admin:***@cam/live", UrlMasker.Mask("rtsp://admin:pa/ss@cam/live"));
        // Credentials in the query (Reolink, Dahua, tokens); a port is not a password; other parameters stay.
        Assert.Equal("rtsp://cam:554/h264Preview_01_main?user=admin&password=***&channel=1",
            UrlMasker.Mask("rtsp://cam:554/h264Preview_01_main?user=admin&password=Secr3t&channel=1"));
        Assert.Equal("http://cam/cgi-bin/api.cgi?cmd=Snap&pwd=*** and https://cloud/x?access_token=***",
            UrlMasker.Mask("http://cam/cgi-bin/api.cgi?cmd=Snap&pwd=Secr3t and https://cloud/x?access_token=abc.def"));
        Assert.Equal("rtsp://cam:554/live?channel=1", UrlMasker.Mask("rtsp://cam:554/live?channel=1"));
        Assert.Equal("failed: *** refused", UrlMasker.MaskIn("failed: Secr3t refused", "rtsp://cam/live?password=Secr3t"));
    }

    [Fact]
    public void Ffmpeg_CommandLine_HasTransportInputArgumentsAndFpsCap()
    {
        var source = new FfmpegFrameSource(new FfmpegSourceOptions("rtsp://cam/x", StreamTransport.Udp, ["-hwaccel", "vaapi"], 5), NullLogger.Instance);
        var args = string.Join(' ', source.Arguments());
        Assert.Contains("-rtsp_transport udp", args);
        Assert.Contains("-hwaccel vaapi -i rtsp://cam/x", args);
        Assert.Contains("-vf select=", args);
        Assert.EndsWith("-f rawvideo -pix_fmt bgr24 pipe:1", args);
    }

    /// <summary>Reads a source to its end; the mean grey level of every frame.</summary>
    private static async Task<List<double>> MeanLevels(IFrameSource source)
    {
        var levels = new List<double>();
        try
        {
            await foreach (var image in source.ReadAsync(CancellationToken.None))
            {
                using (image.Image) levels.Add(OpenCvSharp.Cv2.Mean(image.Image).Val0);
            }
        }
        catch (FrameSourceException) when (source is FfmpegFrameSource)
        {
            // The end of ffmpeg's input ends a stream source with "stream ended".
        }
        return levels;
    }

    internal static async Task<List<Frame>> ReadFrames(ChannelReader<Frame> reader, int count, CancellationToken cancellation)
    {
        var frames = new List<Frame>();
        while (frames.Count < count) frames.Add(await reader.ReadAsync(cancellation));
        return frames;
    }

    internal static async Task<CameraStateChange> WaitForState(ConcurrentQueue<CameraStateChange> states, CameraState state, CancellationToken cancellation, CameraState? after = null)
    {
        while (true)
        {
            var list = states.ToList();
            int from = after is null ? 0 : list.FindLastIndex(s => s.State == after) + 1;
            var hit = list.Skip(from).FirstOrDefault(s => s.State == state);
            if (hit != null && (after is null || from > 0)) return hit;
            await Task.Delay(50, cancellation);
        }
    }
}
