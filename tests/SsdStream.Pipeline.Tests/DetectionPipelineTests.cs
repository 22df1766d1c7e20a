using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Tests;

public sealed class DetectionPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-pipe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly ReconnectPolicy Fast = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));

    [Fact]
    public async Task SlowInference_KeepsTheQueueBounded_ProcessesTheNewestFrames_AndCountsDrops()
    {
        // 30 fps camera, a detector that needs 200 ms per batch of at most 1: about 5 of 6 frames must go.
        var path = TestMedia.WriteVideo(_dir, 60, fps: 30);
        using var metrics = new PipelineMetrics();
        var camera = new CameraDefinition("cam", () => new VideoCaptureFrameSource(path, loop: true, realtime: true),
            DetectionFilter.Default, Fast, TimeSpan.FromSeconds(5), QueueCapacity: 2);
        var detector = new FakeDetector(TimeSpan.FromMilliseconds(200));
        await using var pipeline = new DetectionPipeline([camera], () => detector, new BatchingOptions { MaxBatch = 1 }, 0, metrics, NullLoggerFactory.Instance);
        var results = pipeline.SubscribeResults("test");
        await pipeline.StartAsync();

        var received = new List<FrameResult>();
        int maxQueued = 0;
        var counters = metrics.Camera("cam");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(4))
        {
            while (results.Reader.TryRead(out var r)) received.Add(r);
            // Every captured frame is processed, dropped, waiting (at most the capacity), in the batch being run,
            // or the one frame the camera has counted in and is handing to the queue (which then drops the oldest).
            long inFlight = counters.FramesIn - counters.FramesProcessed - counters.FramesDropped;
            maxQueued = Math.Max(maxQueued, (int)inFlight);
            await Task.Delay(20);
        }
        await pipeline.StopAsync(TimeSpan.FromSeconds(5));
        while (results.Reader.TryRead(out var r)) received.Add(r);

        Assert.InRange(maxQueued, 0, 2 + 1 + 1);
        Assert.True(counters.FramesDropped > counters.FramesProcessed, $"dropped {counters.FramesDropped}, processed {counters.FramesProcessed}");
        Assert.Equal(counters.FramesIn, counters.FramesProcessed + counters.FramesDropped);
        Assert.True(received.Count >= 10);
        // Newest frames: consecutive results skip the frames that arrived meanwhile, and latency stays
        // near one inference time instead of growing with the backlog.
        var gaps = received.Zip(received.Skip(1)).Select(p => p.Second.Sequence - p.First.Sequence).ToList();
        Assert.True(gaps.Average() >= 4, $"average gap {gaps.Average()}");
        // At most two frames wait and one is in inference (600 ms at 200 ms each); a backlog would grow to
        // seconds within the 4 s run. 1 s leaves room for a busy machine.
        Assert.All(received.Skip(3), r => Assert.True(r.Latency < TimeSpan.FromMilliseconds(1000), $"latency {r.Latency.TotalMilliseconds} ms at #{r.Sequence}"));
        Assert.All(received, r => Assert.Equal("thing", Assert.Single(r.Detections).Label));
    }

    [Fact]
    public async Task TwoCameras_OneDisconnected_TheOtherKeepsGettingResults_AndTheFirstComesBack()
    {
        using var server = new RtspTestServer();
        var path = TestMedia.WriteVideo(_dir, 30, fps: 15);
        using var metrics = new PipelineMetrics();
        var states = new ConcurrentQueue<CameraStateChange>();
        CameraDefinition[] cameras =
        [
            new("file", () => new VideoCaptureFrameSource(path, loop: true, realtime: true), DetectionFilter.Default, Fast, TimeSpan.FromSeconds(5)),
            new("rtsp", () => new FfmpegFrameSource(new FfmpegSourceOptions(server.Url), NullLogger.Instance), DetectionFilter.Default, Fast, TimeSpan.FromSeconds(3)),
        ];
        await using var pipeline = new DetectionPipeline(cameras, () => new FakeDetector(), new BatchingOptions { MaxBatch = 4 }, 0, metrics, NullLoggerFactory.Instance);
        pipeline.Cameras.Single(c => c.CameraId == "rtsp").StateChanged += states.Enqueue;
        var results = pipeline.SubscribeResults("test");
        await pipeline.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await WaitForResults(results, "rtsp", 5, cts.Token);
        server.Kill();
        await CameraSourceTests.WaitForState(states, CameraState.BackingOff, cts.Token);
        // While the RTSP camera is down, the file camera keeps getting results (ten of them, however busy
        // the machine is: the server stays down until the test starts it again).
        var during = await CountResultsUntil(results, c => c.GetValueOrDefault("file") >= 10, TimeSpan.FromSeconds(20));
        Assert.True(during.GetValueOrDefault("file") >= 10, $"file camera got {during.GetValueOrDefault("file")} results in 20 s while the other was down");
        Assert.Equal(0, during.GetValueOrDefault("rtsp"));
        Assert.NotEqual(CameraState.Streaming, pipeline.Cameras.Single(c => c.CameraId == "rtsp").State);

        server.Start();
        await WaitForResults(results, "rtsp", 5, cts.Token);
        await pipeline.StopAsync(TimeSpan.FromSeconds(5));
        Assert.True(metrics.Camera("rtsp").Reconnects >= 1);
    }

    [Fact]
    public async Task Filter_AppliesScoreLabelsAndArea()
    {
        var filter = new DetectionFilter { MinScore = 0.5f, ExcludeLabels = ["thing"] };
        var path = TestMedia.WriteVideo(_dir, 5);
        using var metrics = new PipelineMetrics();
        var camera = new CameraDefinition("cam", () => new VideoCaptureFrameSource(path, realtime: false), filter, Fast, TimeSpan.FromSeconds(5));
        await using var pipeline = new DetectionPipeline([camera], () => new FakeDetector(), new BatchingOptions(), 0, metrics, NullLoggerFactory.Instance);
        var results = pipeline.SubscribeResults("t");
        await pipeline.StartAsync();
        var all = new List<FrameResult>();
        await foreach (var r in results.Reader.ReadAllAsync()) all.Add(r);
        Assert.True(all.Count >= 1);
        Assert.All(all, r => Assert.Empty(r.Detections));
        // The fake's box covers the middle quarter of a 320x240 frame: 160 x 120 px.
        var area = new DetectionFilter { MinScore = 0.1f, MinArea = 160 * 120 + 1 };
        var inside = new DetectionFilter { MinScore = 0.1f, MinArea = 160 * 120 - 1, Labels = ["thing"] };
        var d = Results.PixelDetection.FromNormalised([new Ssd.Model.PostProcessing.Detection(1, 0.9f, 0.25f, 0.25f, 0.75f, 0.75f)], 320, 240, _ => "thing");
        Assert.Empty(area.Apply(d));
        Assert.Single(inside.Apply(d));
    }

    [Fact]
    public async Task FrameTap_SeesEveryFrameTheCameraDelivers_AndResultsEndAfterTheLastFrame()
    {
        var path = TestMedia.WriteVideo(_dir, 20);
        using var metrics = new PipelineMetrics();
        var camera = new CameraDefinition("cam", () => new VideoCaptureFrameSource(path, realtime: true), DetectionFilter.Default, Fast, TimeSpan.FromSeconds(5));
        await using var pipeline = new DetectionPipeline([camera], () => new FakeDetector(), new BatchingOptions { MaxBatch = 2 }, 0, metrics, NullLoggerFactory.Instance);
        var (tapped, all) = await RunToTheEnd(pipeline, "cam");
        var processed = all.Select(r => r.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), tapped);
        Assert.Equal(processed.Order(), processed);
        Assert.Equal(metrics.Camera("cam").FramesProcessed, processed.Count);
        Assert.Equal(20, metrics.Camera("cam").FramesIn);
    }

    [Fact]
    public async Task FileAtFullSpeed_EveryFrameIsProcessedOnce_NoneDropped_AndBatchesFill()
    {
        // 40 frames read as fast as they decode, a detector that needs 50 ms per batch: the file must wait
        // for inference instead of losing frames, and one camera alone fills batches of 4.
        var path = TestMedia.WriteVideo(_dir, 40);
        using var metrics = new PipelineMetrics();
        var camera = new CameraDefinition("cam", () => new VideoCaptureFrameSource(path, realtime: false),
            DetectionFilter.Default, Fast, TimeSpan.FromSeconds(5), QueueCapacity: 2, Delivery: Frames.FrameDelivery.Every);
        var detector = new FakeDetector(TimeSpan.FromMilliseconds(50));
        await using var pipeline = new DetectionPipeline([camera], () => detector, new BatchingOptions { MaxBatch = 4 }, 0, metrics, NullLoggerFactory.Instance);
        var (tapped, processed) = await RunToTheEnd(pipeline, "cam");

        var expected = Enumerable.Range(1, 40).Select(i => (long)i).ToList();
        Assert.Equal(expected, processed.Select(r => r.Sequence));
        Assert.Equal(expected, tapped);
        Assert.Equal(0, metrics.Camera("cam").FramesDropped);
        Assert.Equal(40, metrics.Camera("cam").FramesProcessed);
        // The queue holds a whole batch although QueueCapacity is 2: after the first batch every batch is full.
        Assert.True(processed.Skip(4).Count(r => r.BatchSize == 4) >= 32, string.Join(",", processed.Select(r => r.BatchSize)));
    }

    /// <summary>
    /// Starts a pipeline whose camera ends (a file without loop) and collects, until it has finished, the
    /// sequence numbers its frame tap saw and every result.
    /// </summary>
    private static async Task<(List<long> Tapped, List<FrameResult> Results)> RunToTheEnd(DetectionPipeline pipeline, string camera)
    {
        var frames = pipeline.TapFrames(camera, 100);
        var results = pipeline.SubscribeResults("t");
        await pipeline.StartAsync();
        var tapped = new List<long>();
        await foreach (var f in frames.ReadAllAsync())
        {
            tapped.Add(f.Sequence);
            f.Dispose();
        }
        var all = new List<FrameResult>();
        await foreach (var r in results.Reader.ReadAllAsync()) all.Add(r);
        await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        return (tapped, all);
    }

    private static async Task WaitForResults(ResultBroadcaster.Subscription results, string camera, int count, CancellationToken cancellation)
    {
        int seen = 0;
        while (seen < count)
        {
            var r = await results.Reader.ReadAsync(cancellation);
            if (r.CameraId == camera) seen++;
        }
    }

    /// <summary>Counts new results per camera until <paramref name="enough"/> holds or <paramref name="limit"/> passes.</summary>
    private static async Task<Dictionary<string, int>> CountResultsUntil(ResultBroadcaster.Subscription results, Func<Dictionary<string, int>, bool> enough, TimeSpan limit)
    {
        while (results.Reader.TryRead(out _)) { }
        var counts = new Dictionary<string, int>();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            while (!enough(counts))
            {
                var r = await results.Reader.ReadAsync(cts.Token);
                counts[r.CameraId] = counts.GetValueOrDefault(r.CameraId) + 1;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        return counts;
    }
}
