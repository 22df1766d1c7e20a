using System.Threading.Channels;
using SsdStream.Pipeline.Processing;

namespace SsdStream.Pipeline.Tests;

public sealed class ResultBroadcasterTests
{
    private static FrameResult Result(string camera, long sequence) =>
        new(camera, sequence, DateTimeOffset.UtcNow, 640, 480, [], DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(10), 1, "test");

    [Fact]
    public async Task CameraSubscription_GetsOnlyItsCamera_SoABusyCameraCannotPushItsResultsOut()
    {
        var broadcaster = new ResultBroadcaster();
        var mine = broadcaster.Subscribe("recorder-a", capacity: 2, cameraId: "a");
        var all = broadcaster.Subscribe("all", capacity: 100);
        var input = Channel.CreateUnbounded<FrameResult>();
        input.Writer.TryWrite(Result("a", 1));
        for (int i = 1; i <= 10; i++) input.Writer.TryWrite(Result("b", i));
        input.Writer.TryWrite(Result("a", 2));
        input.Writer.Complete();
        await broadcaster.RunAsync(input.Reader, CancellationToken.None);

        Assert.Equal([("a", 1L), ("a", 2L)], (await mine.Reader.ReadAllAsync().ToListAsync()).Select(r => (r.CameraId, r.Sequence)));
        Assert.Equal(0, mine.Dropped);
        Assert.Equal(12, (await all.Reader.ReadAllAsync().ToListAsync()).Count);
    }
}
