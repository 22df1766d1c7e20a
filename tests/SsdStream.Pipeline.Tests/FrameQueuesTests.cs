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

    private static long ManagedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
