using System.Text.RegularExpressions;
using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Tracking;
using static SsdStream.Pipeline.Tests.Tracking.TrackingTestData;

namespace SsdStream.Pipeline.Tests.Tracking;

public sealed class ObjectEventTrackerTests
{
    /// <summary>Runs <paramref name="frames"/> frames at <paramref name="fps"/>; returns each frame's result.</summary>
    private static List<ObjectFrame> Run(ObjectEventTracker tracker, int frames, double fps, Func<int, PixelDetection[]> detections)
    {
        var results = new List<ObjectFrame>();
        for (int f = 0; f < frames; f++) results.Add(tracker.Process(At(f / fps), Width, Height, detections(f)));
        return results;
    }

    private static List<ObjectEvent> Events(IEnumerable<ObjectFrame> frames) => frames.SelectMany(f => f.Events).ToList();

    private static PixelDetection Person(float x, float y = 200, float score = 0.9f) => Det(x, y, x + 40, y + 100, score);

    [Fact]
    public void OneFrameFalseDetection_NeverProducesNew()
    {
        var tracker = new ObjectEventTracker("cam", TrackerSettings.Default);
        var frames = Run(tracker, 50, 10, f => f == 10 ? [Person(300)] : []);
        Assert.Empty(Events(frames));
        Assert.Null(frames[10].DetectionObjectIds[0]);
        Assert.All(frames, f => Assert.Empty(f.Objects));
    }

    [Fact]
    public void FlickeringFalseDetection_EveryOtherFrame_NeverProducesNew()
    {
        var tracker = new ObjectEventTracker("cam", TrackerSettings.Default);
        Assert.Empty(Events(Run(tracker, 200, 10, f => f % 2 == 0 ? [Person(300)] : [])));
    }

    [Fact]
    public void ObjectPassingThrough_GetsOneNew_UpdatesWithItsId_AndOneEnd()
    {
        var settings = TrackerSettings.Default;
        var tracker = new ObjectEventTracker("front", settings);
        // Walks 6 px a frame at 10 fps for 8 s, then leaves; LostSeconds and 2 s more of empty frames.
        var frames = Run(tracker, 100 + (int)(10 * settings.LostSeconds), 10, f => f < 80 ? [Person(20 + 6 * f)] : []);
        var events = Events(frames);

        var created = Assert.Single(events, e => e.Type == ObjectEventType.New);
        var ended = Assert.Single(events, e => e.Type == ObjectEventType.End);
        Assert.Same(created, events[0]);
        Assert.Same(ended, events[^1]);
        Assert.All(events, e => Assert.Equal(created.After.Id, e.After.Id));
        Assert.Contains(events, e => e.Type == ObjectEventType.Update);

        // Confirmed at its ConfirmFrames-th frame; the detections before belong to no object yet.
        int confirmed = settings.ConfirmFrames - 1;
        Assert.Null(frames[confirmed - 1].DetectionObjectIds[0]);
        Assert.Equal(created.After.Id, frames[confirmed].DetectionObjectIds[0]);
        Assert.Equal(At(0), created.After.StartTime);
        Assert.Equal(created.Before, created.After);
        Assert.Equal(("front", "person", false, true, false), (created.After.Camera, created.After.Label, created.After.Stationary, created.After.Active, created.After.FalsePositive));
        Assert.Null(created.After.EndTime);

        // Ends LostSeconds after it was last seen, with that time as its end.
        Assert.Equal(At(7.9), ended.After.EndTime);
        int endFrame = frames.FindIndex(f => f.Events.Any(e => e.Type == ObjectEventType.End));
        Assert.InRange(endFrame / 10.0 - 7.9, settings.LostSeconds - 1e-9, settings.LostSeconds + 0.1 + 1e-9);
        Assert.Equal(new CornerBox(20 + 6 * 79, 200, 60 + 6 * 79, 300), ended.After.Box);
        Assert.Equal(ended.After.Box.Area, ended.After.Area);
        Assert.Empty(frames[^1].Objects);

        // Each event's before is the object as last published.
        for (int i = 1; i < events.Count; i++) Assert.Same(events[i - 1].After, events[i].Before);
    }

    [Fact]
    public void RunOfWrongLabelFrames_DoesNotCreateASecondObject_NorChangeItsLabel()
    {
        var tracker = new ObjectEventTracker("cam", new TrackerSettings { UpdateThrottleSeconds = 1000 });
        // A person walking; for half a second in the middle the model calls it a car, with confidence.
        var frames = Run(tracker, 60, 10, f => f is >= 30 and < 35 ? [Det(100 + 3 * f, 200, 140 + 3 * f, 300, 0.95f, "car")] : [Person(100 + 3 * f)]);
        var created = Assert.Single(Events(frames));
        Assert.Equal(("person", ObjectEventType.New), (created.After.Label, created.Type));
        Assert.All(frames.Skip(10), f => Assert.Equal(created.After.Id, f.DetectionObjectIds[0]));
        Assert.All(frames.Skip(10), f => Assert.Equal("person", Assert.Single(f.Objects).Label));
    }

    [Fact]
    public void LabelChange_AfterNew_IsAnUpdateAtOnce_WithTheOldLabelBefore()
    {
        var settings = new TrackerSettings { UpdateThrottleSeconds = 1000 };
        var tracker = new ObjectEventTracker("cam", settings);
        // Seen as a car while it comes into view, then as the person it is: the person's scores outvote
        // the car's 8 x 0.8 = 6.4 at its eighth person frame (8 x 0.82 = 6.56), frame 15.
        var frames = Run(tracker, 40, 10, f => [Det(100 + 2 * f, 200, 140 + 2 * f, 300, f < 8 ? 0.8f : 0.82f, f < 8 ? "car" : "person")]);
        var events = Events(frames);
        Assert.Equal([ObjectEventType.New, ObjectEventType.Update], events.Select(e => e.Type));
        Assert.Equal("car", events[0].After.Label);
        var relabelled = events[1];
        Assert.Equal(("car", "person"), (relabelled.Before.Label, relabelled.After.Label));
        Assert.Equal(events[0].After.Id, relabelled.After.Id);
        Assert.Equal(At(1.5), relabelled.After.FrameTime);
        Assert.Equal("car", Assert.Single(frames[14].Objects).Label);
        Assert.Equal("person", Assert.Single(frames[15].Objects).Label);
    }

    [Fact]
    public void ZoneLimitedToALabel_HoldsTheObjectByItsLabel_ThroughFramesWithAnother()
    {
        var zone = new ZoneSettings { Name = "path", Points = [0, 0, 1, 0, 1, 1, 0, 1], Labels = ["person"] };
        var tracker = new ObjectEventTracker("cam", new TrackerSettings { UpdateThrottleSeconds = 1000 }, [zone]);
        // Every fourth frame the model says car: the person stays in the zone, no update comes and goes.
        var frames = Run(tracker, 40, 10, f => f % 4 == 3 ? [Det(200, 200, 240, 300, 0.9f, "car")] : [Person(200)]);
        var events = Events(frames);
        Assert.Equal([ObjectEventType.New], events.Select(e => e.Type));
        Assert.Equal(["path"], events[0].After.CurrentZones);
        Assert.All(frames.Skip(5), f => Assert.Equal(["path"], Assert.Single(f.Objects).CurrentZones));
    }

    [Fact]
    public void MovingObject_IsUpdatedAtMostEveryThrottleSeconds()
    {
        var settings = new TrackerSettings { UpdateThrottleSeconds = 3 };
        var tracker = new ObjectEventTracker("cam", settings);
        var frames = Run(tracker, 200, 10, f => [Person(10 + 3 * f)]);
        var updateTimes = Events(frames).Where(e => e.Type == ObjectEventType.Update).Select(e => e.After.FrameTime).ToList();
        Assert.True(updateTimes.Count >= 5, $"{updateTimes.Count} updates in 20 s of walking");
        var publishTimes = new[] { At(0.2) }.Concat(updateTimes).ToList();
        for (int i = 1; i < publishTimes.Count; i++) Assert.True((publishTimes[i] - publishTimes[i - 1]).TotalSeconds >= 3 - 1e-9);
    }

    [Fact]
    public void ObjectSittingStill_GetsOneNew_AndNoUpdate_OnceStationary_UntilItMoves()
    {
        var settings = new TrackerSettings { StationarySeconds = 10 };
        var tracker = new ObjectEventTracker("drive", settings);
        var jitter = new Random(7);
        PixelDetection Parked() => Det(300 + jitter.Next(-2, 3), 200 + jitter.Next(-2, 3), 420 + jitter.Next(-2, 3), 280 + jitter.Next(-2, 3), 0.9f, "car");
        // Parked for 10 minutes at 5 fps.
        var frames = Run(tracker, 3000, 5, _ => [Parked()]);
        var events = Events(frames);

        Assert.Equal([ObjectEventType.New, ObjectEventType.Update], events.Select(e => e.Type));
        var became = events[1];
        Assert.True(became.After.Stationary);
        Assert.False(became.After.Active);
        Assert.False(became.Before.Stationary);
        Assert.InRange((became.After.FrameTime - became.After.StartTime).TotalSeconds, 10, 10.2 + 1e-9);
        Assert.True(Assert.Single(frames[^1].Objects).Stationary);

        // It drives off: active again at once.
        var moving = tracker.Process(At(600), Width, Height, [Det(360, 200, 480, 280, 0.9f, "car")]);
        var update = Assert.Single(moving.Events);
        Assert.Equal(ObjectEventType.Update, update.Type);
        Assert.True(update.Before.Stationary);
        Assert.False(update.After.Stationary);
        Assert.True(update.After.Active);
    }

    [Fact]
    public void ClearlyBetterScore_IsPublishedAtOnce()
    {
        var tracker = new ObjectEventTracker("cam", new TrackerSettings { BetterScoreMargin = 0.1f, UpdateThrottleSeconds = 1000 });
        // Standing still, its score rising from 0.7 to 0.95 in its fourth second. The median of its last
        // 10 scores is 0.7 until five are 0.95 (median 0.825, at 3.4 s), then 0.95 (at 3.5 s).
        var frames = Run(tracker, 50, 10, f => [Person(200, score: f < 30 ? 0.7f : 0.95f)]);
        var updates = Events(frames).Where(e => e.Type == ObjectEventType.Update).ToList();
        Assert.Equal([(0.7f, 0.825f, At(3.4)), (0.825f, 0.95f, At(3.5))], updates.Select(u => (u.Before.TopScore, u.After.TopScore, u.After.FrameTime)));
        Assert.Equal(At(3.0), updates[^1].After.BestFrameTime);
    }

    [Fact]
    public void WalkingThroughAZone_UpdatesOnEnteringAndLeaving()
    {
        var zone = new ZoneSettings { Name = "porch", Points = [0.4, 0, 0.6, 0, 0.6, 1, 0.4, 1] };
        var tracker = new ObjectEventTracker("cam", new TrackerSettings { UpdateThrottleSeconds = 1000 }, [zone]);
        // Bottom centre x = 40 + 4f pixels; the zone spans 256..384: inside for 54 <= f <= 86.
        var frames = Run(tracker, 120, 10, f => [Person(20 + 4 * f)]);
        var updates = Events(frames).Where(e => e.Type == ObjectEventType.Update).ToList();

        Assert.Equal(2, updates.Count);
        Assert.Equal(["porch"], updates[0].After.CurrentZones);
        Assert.Equal(["porch"], updates[0].After.EnteredZones);
        Assert.Empty(updates[0].Before.CurrentZones);
        Assert.Equal(At(5.4), updates[0].After.FrameTime);
        Assert.Empty(updates[1].After.CurrentZones);
        Assert.Equal(["porch"], updates[1].After.EnteredZones);
        Assert.Equal(At(8.7), updates[1].After.FrameTime);
        Assert.Equal(["porch"], frames[60].Objects[0].CurrentZones);
    }

    [Fact]
    public void Zone_WithInsideSeconds_HoldsOnlyObjectsInsideThatLong()
    {
        var zone = new ZoneSettings { Name = "door", Points = [0, 0, 1, 0, 1, 1, 0, 1], InsideSeconds = 2, Labels = ["person"] };
        var tracker = new ObjectEventTracker("cam", new TrackerSettings { UpdateThrottleSeconds = 1000 }, [zone]);
        var frames = Run(tracker, 40, 10, f => [Person(200), Det(400, 100, 500, 200, 0.9f, "car")]);
        var update = Assert.Single(Events(frames), e => e.Type == ObjectEventType.Update);
        Assert.Equal("person", update.After.Label);
        Assert.Equal(["door"], update.After.CurrentZones);
        Assert.Equal(At(2), update.After.FrameTime);
    }

    [Fact]
    public void MaskedDetections_AreDropped_OthersTrackedInTheirPlace()
    {
        var mask = new MaskSettings { Points = [0, 0, 0.25, 0, 0.25, 1, 0, 1] };
        var tracker = new ObjectEventTracker("cam", TrackerSettings.Default, masks: [mask]);
        // A tree at the left keeps being detected; a person walks on the right.
        var frames = Run(tracker, 30, 10, f => [Det(20, 100, 80, 300, 0.95f, "tree"), Person(300 + 2 * f)]);
        var created = Assert.Single(Events(frames));
        Assert.Equal("person", created.After.Label);
        Assert.All(frames, f => Assert.Null(f.DetectionObjectIds[0]));
        Assert.Equal(created.After.Id, frames[^1].DetectionObjectIds[1]);
    }

    [Fact]
    public void ObjectMissedInOneFrame_StaysCounted()
    {
        var tracker = new ObjectEventTracker("cam", TrackerSettings.Default);
        var frames = Run(tracker, 30, 10, f => f == 20 ? [] : [Person(100 + f)]);
        Assert.All(frames.Skip(TrackerSettings.Default.ConfirmFrames - 1), f => Assert.Single(f.Objects));
        Assert.Single(Events(frames));
    }

    [Fact]
    public void EndAll_EndsEveryConfirmedObject()
    {
        var tracker = new ObjectEventTracker("cam", TrackerSettings.Default);
        Run(tracker, 10, 10, f => f < 9 ? [Person(100), Person(400)] : [Person(100), Person(400), Person(250)]);
        var ends = tracker.EndAll();
        Assert.Equal(2, ends.Count);
        Assert.All(ends, e => Assert.Equal((ObjectEventType.End, At(0.9)), (e.Type, e.After.EndTime)));
        Assert.Empty(tracker.Objects);
    }

    [Fact]
    public void ObjectIds_AreUniqueAcrossCameras_AndCarryTheStartTime()
    {
        var a = new ObjectEventTracker("a", TrackerSettings.Default);
        var b = new ObjectEventTracker("b", TrackerSettings.Default);
        int frames = TrackerSettings.Default.ConfirmFrames;
        string idA = Events(Run(a, frames, 10, _ => [Person(100)]))[0].After.Id;
        string idB = Events(Run(b, frames, 10, _ => [Person(100)]))[0].After.Id;
        Assert.NotEqual(idA, idB);
        Assert.StartsWith($"{T0.ToUnixTimeSeconds()}.000-", idA);
    }

    [Fact]
    public void Constructor_RejectsBadZonesAndMasks_WithTheirLine()
    {
        var zone = new ZoneSettings { Name = "yard", Points = [0, 0, 1, 0, 1, 1] };
        Assert.StartsWith("Zone 'yard' is defined 2 times",
            Assert.Throws<ArgumentException>(() => new ObjectEventTracker("cam", TrackerSettings.Default, [zone, zone])).Message);
        Assert.Equal("Mask 0: Points has 1 corner; a polygon needs at least 3.",
            Assert.Throws<ArgumentException>(() => new ObjectEventTracker("cam", TrackerSettings.Default, masks: [new MaskSettings { Points = [0, 0] }])).Message);
    }

    [Fact]
    public void ObjectId_HasFrigatesShape()
    {
        var id = ObjectId.New(new DateTimeOffset(2024, 6, 1, 12, 0, 0, 123, TimeSpan.Zero));
        Assert.Matches(new Regex("^1717243200\\.123-[0-9a-z]{6}$"), id);
        Assert.Matches(new Regex("^0\\.005-[0-9a-z]{6}$"), ObjectId.New(DateTimeOffset.UnixEpoch.AddMilliseconds(5)));
    }
}
