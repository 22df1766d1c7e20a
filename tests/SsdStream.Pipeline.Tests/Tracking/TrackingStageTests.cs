using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Tracking;
using static SsdStream.Pipeline.Tests.Tracking.TrackingTestData;

namespace SsdStream.Pipeline.Tests.Tracking;

/// <summary>The tracking stage between inference and the subscribers.</summary>
public sealed class TrackingStageTests
{
    private static TrackingStage Stage(double lostSeconds = 2) => new(
        new Dictionary<string, (CameraTracking, DetectionFilter)>
        {
            ["cam"] = (new CameraTracking { Settings = TrackerSettings.Default with { LostSeconds = lostSeconds } }, new DetectionFilter { MinScore = 0.5f }),
        },
        NullLogger.Instance);

    private static FrameResult Frame(long sequence, DateTimeOffset time, params PixelDetection[] candidates) =>
        new("cam", sequence, time, Width, Height, candidates.Where(c => c.Score >= 0.5f).ToArray(), time, TimeSpan.Zero, 1, "m", candidates);

    [Fact]
    public async Task PublishedDetectionsCarryTheirObjectsId_LowScoresOnlyFeedTheTracker_AndTheEndOfInputEndsEveryObject()
    {
        var input = Channel.CreateUnbounded<FrameResult>();
        var output = Channel.CreateUnbounded<FrameResult>();
        var run = Stage().RunAsync(input.Reader, output.Writer, CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        for (int i = 0; i < 6; i++)
        {
            // A person walking right, and a faint second box the filter does not publish.
            input.Writer.TryWrite(Frame(i + 1, now.AddSeconds(0.1 * i), Det(100 + 5 * i, 100, 200 + 5 * i, 300, 0.9f), Det(400, 100, 450, 200, 0.3f)));
        }
        input.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        var results = await output.Reader.ReadAllAsync().ToListAsync();

        Assert.Equal(7, results.Count);
        var frames = results.Take(6).ToList();
        Assert.All(frames, r => Assert.Single(r.Detections));
        Assert.All(frames, r => Assert.Null(r.Candidates));
        var created = Assert.Single(frames.SelectMany(r => r.Tracking!.Events));
        Assert.Equal(ObjectEventType.New, created.Type);
        Assert.Equal(created.After.Id, frames[^1].Detections[0].TrackId);
        Assert.Null(frames[0].Detections[0].TrackId); // not confirmed yet
        Assert.Single(frames[^1].Tracking!.Objects);

        var closing = results[^1];
        Assert.True(closing.Tracking!.Closing);
        Assert.Empty(closing.Detections);
        var end = Assert.Single(closing.Tracking.Events);
        Assert.Equal((ObjectEventType.End, created.After.Id), (end.Type, end.After.Id));
    }

    [Fact]
    public async Task ACameraWithoutFrames_HasItsObjectsEndedAfterTheLostTime_NotAtItsNextFrame()
    {
        var input = Channel.CreateUnbounded<FrameResult>();
        var output = Channel.CreateUnbounded<FrameResult>();
        using var stop = new CancellationTokenSource();
        var run = Stage(lostSeconds: 0.5).RunAsync(input.Reader, output.Writer, stop.Token);
        var now = DateTimeOffset.UtcNow;
        for (int i = 0; i < 5; i++) input.Writer.TryWrite(Frame(i + 1, now.AddSeconds(0.1 * i), Det(100, 100, 200, 300, 0.9f)));

        // No more frames (a camera that went away): within the lost time and the stage's check, an end.
        FrameResult? closing = null;
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await foreach (var r in output.Reader.ReadAllAsync(wait.Token))
            {
                if (r.Tracking?.Closing != true) continue;
                closing = r;
                break;
            }
        }
        Assert.NotNull(closing);
        Assert.Equal(ObjectEventType.End, Assert.Single(closing!.Tracking!.Events).Type);
        input.Writer.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(await output.Reader.ReadAllAsync().AnyAsync(r => r.Tracking?.Closing == true)); // nothing left to end
    }
}
