using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Events;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Tests.Events;

/// <summary>How an event's recording is found among the segments the recorder closes.</summary>
public sealed class CameraEventMediaTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static ObjectSnapshot Object(double start, double? end, double seen)
    {
        var box = new CornerBox(10, 10, 50, 50);
        return new ObjectSnapshot("1.000-abcdef", "cam", "person", 0.9f, 0.9f, box, new CornerBox(0.1f, 0.1f, 0.2f, 0.2f), 1600,
            T0.AddSeconds(start), end is { } e ? T0.AddSeconds(e) : null, T0.AddSeconds(seen), [], [], false, true, false, T0.AddSeconds(start), box);
    }

    private static FrameResult Result(double time, ObjectEvent e, bool current) =>
        new("cam", (long)(time * 10), T0.AddSeconds(time), 640, 480, [], T0.AddSeconds(time), TimeSpan.Zero, 1, "m",
            Tracking: new FrameTracking([e], current ? [new ObjectPresence(e.After.Id, "person", false, [])] : []));

    private static RecordedSegment Segment(string name, double start, double end) =>
        new("cam", $"/rec/cam/{name}.mp4", $"/rec/cam/{name}.jsonl", T0.AddSeconds(start), T0.AddSeconds(end), 100, ["person"]);

    [Fact]
    public void AnEventsClip_TakesTheSegmentClosedBeforeItWasConfirmed_AndCompletesOnlyOnceItsPostRollIsRecorded()
    {
        var handed = new List<EventWithMedia>();
        var recording = new RecordingSettings { Mode = RecordingMode.Continuous, PreRollSeconds = 5, PostRollSeconds = 5 };
        var media = new CameraEventMedia("cam", Path.GetTempPath(), new SnapshotSettings { Enabled = false }, recording, handed.Add, (_, _) => { }, NullLogger.Instance);

        // The object appears at 8 s, in segment a (0-10 s), which closes before the object is confirmed at 10.5 s.
        Assert.Empty(media.OnSegment(Segment("a", 0, 10)));
        var appeared = Object(8, null, 10.5);
        media.OnResult(Result(10.5, new ObjectEvent(ObjectEventType.New, appeared, appeared), current: true));
        var ended = Object(8, 12, 12);
        media.OnResult(Result(15, new ObjectEvent(ObjectEventType.End, appeared, ended), current: false));

        // Segment b (10-15 s) holds its end but not all of its post-roll (to 17 s): not complete yet.
        Assert.Equal(["1.000-abcdef"], media.OnSegment(Segment("b", 10, 15)));
        Assert.DoesNotContain(handed, h => h.ClipCompleted);
        Assert.Equal(["1.000-abcdef"], media.OnSegment(Segment("c", 15, 25)));
        var complete = Assert.Single(handed, h => h.ClipCompleted);
        Assert.Equal(["/rec/cam/a.mp4", "/rec/cam/b.mp4", "/rec/cam/c.mp4"], complete.Media.Segments.Select(s => s.Path));
        Assert.Equal((3, 10), (complete.Media.Segments[0].StartOffsetSeconds, complete.Media.Segments[0].EndOffsetSeconds));
        Assert.Equal((0, 2), (complete.Media.Segments[2].StartOffsetSeconds, complete.Media.Segments[2].EndOffsetSeconds));
        // The segments after it hold it no more.
        Assert.Empty(media.OnSegment(Segment("d", 25, 35)));
    }

    [Fact]
    public void AtTheStop_TheRecordingsEndCompletesEndedEvents_WithThePostRollCutShort_AndLaterEndsSayNoMoreClipIsComing()
    {
        var handed = new List<EventWithMedia>();
        var recording = new RecordingSettings { Mode = RecordingMode.Events, PreRollSeconds = 2, PostRollSeconds = 2 };
        var media = new CameraEventMedia("cam", Path.GetTempPath(), new SnapshotSettings { Enabled = false }, recording, handed.Add, (_, _) => { }, NullLogger.Instance);
        var appeared = Object(8, null, 9);
        media.OnResult(Result(9, new ObjectEvent(ObjectEventType.New, appeared, appeared), current: true));
        // The stop: the tracker ends the object at 12 s, the recorder closes its segment at 12.5 s (short of
        // the post-roll, to 14 s) and ends. The store must get the clip the end message promised.
        var ended = Object(8, 12, 12);
        media.OnResult(Result(12, new ObjectEvent(ObjectEventType.End, appeared, ended), current: false));
        Assert.True(Assert.Single(handed, h => h.Event.Type == ObjectEventType.End && !h.ClipCompleted).ClipExpected);
        Assert.Equal(["1.000-abcdef"], media.OnSegment(Segment("a", 6, 12.5)));
        Assert.DoesNotContain(handed, h => h.ClipCompleted);
        media.OnRecordingEnded();
        var complete = Assert.Single(handed, h => h.ClipCompleted);
        Assert.True(complete.Media.HasClip);
        Assert.Equal("/rec/cam/a.mp4", complete.Media.Clip);

        // An object whose end is announced after the recorder ended: no clip is promised, and none is stored.
        handed.Clear();
        var late = Object(20, null, 21) with { Id = "2.000-abcdef" };
        media.OnResult(Result(21, new ObjectEvent(ObjectEventType.New, late, late), current: true));
        var lateEnd = late with { EndTime = T0.AddSeconds(22) };
        media.OnResult(Result(22, new ObjectEvent(ObjectEventType.End, late, lateEnd), current: false));
        var end = Assert.Single(handed, h => h.Event.Type == ObjectEventType.End && !h.ClipCompleted);
        Assert.False(end.ClipExpected || end.Media.HasClip);
    }
}
