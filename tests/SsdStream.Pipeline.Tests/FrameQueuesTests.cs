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
    public void Batches_ServeEveryCameraInTurn_WhenThereAreMoreCamerasThanSlots_EachInOrder()
    {
        using var metrics = new PipelineMetrics();
        var queues = new FrameQueues();
        var writers = new[] { "a", "b", "c" }.Select(c => (Camera: c, Writer: queues.AddCamera(c, 2, metrics.Camera(c)))).ToList();
        foreach (var (camera, writer) in writers)
        {
            for (int i = 1; i <= 2; i++) Assert.True(writer.TryWrite(new Frame(camera, i, DateTimeOffset.UtcNow, new Mat(1, 1, MatType.CV_8UC3))));
        }

        // Two slots for three cameras: the next batch starts with the camera the last one left out.
        string Take()
        {
            var batch = new List<Frame>();
            Assert.Equal(2, queues.TakeBatch(2, batch));
            foreach (var f in batch) f.Dispose();
            return string.Join(" ", batch.Select(f => $"{f.CameraId}#{f.Sequence}"));
        }
        Assert.Equal("a#1 b#1", Take());
        Assert.Equal("c#1 a#2", Take());
        Assert.Equal("b#2 c#2", Take());
    }

    private static long ManagedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
