using OpenCvSharp;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;

namespace SsdStream.Pipeline.Tests;

/// <summary>Measures the process's managed memory, so nothing else may run beside it.</summary>
[CollectionDefinition(nameof(FrameQueuesTests), DisableParallelization = true)]
public sealed class FrameQueuesMemoryCollection;

[Collection(nameof(FrameQueuesTests))]
public sealed class FrameQueuesTests
{
    [Fact]
    public async Task CameraThatStaysOffline_DoesNotCollectWaitsWhileTheOthersRun()
    {
        // Two cameras; "offline" never delivers (it is backing off), "live" delivers a frame per batch.
        // Every wait for frames registers on both queues; the one on the offline queue must not stay.
        using var metrics = new PipelineMetrics();
        var queues = new FrameQueues();
        var live = queues.AddCamera("live", 2, metrics.Camera("live"));
        _ = queues.AddCamera("offline", 2, metrics.Camera("offline"));
        var batch = new List<Frame>();

        async Task Rounds(int count)
        {
            for (int i = 0; i < count; i++)
            {
                var waiting = queues.WaitForFramesAsync(CancellationToken.None);
                Assert.True(live.TryWrite(new Frame("live", i, DateTimeOffset.UtcNow, new Mat(1, 1, MatType.CV_8UC3))));
                Assert.True(await waiting);
                Assert.Equal(1, queues.TakeBatch(4, batch));
                foreach (var f in batch) f.Dispose();
                batch.Clear();
            }
        }

        await Rounds(2_000);   // warm-up: pools and JIT settle
        long before = ManagedBytes();
        await Rounds(100_000);
        long grown = ManagedBytes() - before;
        // A wait left on the offline queue keeps about 220 bytes: 100,000 rounds would keep about 22 MB.
        Assert.True(grown < 5_000_000, $"managed memory grew by {grown / 1e6:0.0} MB over 100,000 batches with one camera offline");
    }

    [Fact]
    public void Batch_TakesALiveCamerasNewestFrames_AndEveryFrameOfAFileInOrder()
    {
        using var metrics = new PipelineMetrics();
        var queues = new FrameQueues();
        var liveA = queues.AddCamera("a", 3, metrics.Camera("a"));
        var liveB = queues.AddCamera("b", 3, metrics.Camera("b"));
        var file = queues.AddCamera("file", 8, metrics.Camera("file"), FrameDelivery.Every);
        Frame Make(string camera, long sequence) => new(camera, sequence, DateTimeOffset.UtcNow, new Mat(1, 1, MatType.CV_8UC3));
        for (int i = 1; i <= 3; i++)
        {
            Assert.True(liveA.TryWrite(Make("a", i)));
            Assert.True(liveB.TryWrite(Make("b", i)));
            Assert.True(file.TryWrite(Make("file", i)));
        }

        // Three slots for three cameras: one each. A live camera gives its newest frame and drops the two
        // it has waiting, which would be older still a batch later; the file gives its oldest and keeps the rest.
        var batch = new List<Frame>();
        Assert.Equal(3, queues.TakeBatch(3, batch));
        Assert.Equal(["a#3", "b#3", "file#1"], batch.Select(f => $"{f.CameraId}#{f.Sequence}").Order());
        Assert.Equal(2, metrics.Camera("a").FramesDropped);
        Assert.Equal(2, metrics.Camera("b").FramesDropped);
        Assert.Equal(0, metrics.Camera("file").FramesDropped);
        foreach (var f in batch) f.Dispose();
        batch.Clear();

        // Room for more than one round: a live camera's slots take its newest frames, oldest of them first.
        Assert.True(liveA.TryWrite(Make("a", 4)));
        Assert.True(liveA.TryWrite(Make("a", 5)));
        Assert.Equal(4, queues.TakeBatch(8, batch));
        Assert.Equal(["a#4", "a#5", "file#2", "file#3"], batch.Select(f => $"{f.CameraId}#{f.Sequence}").Order());
        foreach (var f in batch) f.Dispose();
    }

    private static long ManagedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
