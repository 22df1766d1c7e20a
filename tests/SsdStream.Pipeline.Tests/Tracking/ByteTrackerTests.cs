using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Tracking;
using static SsdStream.Pipeline.Tests.Tracking.TrackingTestData;

namespace SsdStream.Pipeline.Tests.Tracking;

public sealed class ByteTrackerTests
{
    private const double Fps = 10;

    private static TrackerStep Frame(ByteTracker tracker, int frame, params PixelDetection[] detections) =>
        tracker.Update(At(frame / Fps), Width, Height, detections);

    /// <summary>A 40 x 100 person whose left edge is at x, top at y.</summary>
    private static PixelDetection Person(float x, float y = 200, float score = 0.9f) => Det(x, y, x + 40, y + 100, score);

    [Fact]
    public void TwoPeopleCrossing_KeepTheirIds()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        int rightwardId = -1, leftwardId = -1;
        for (int f = 0; f < 60; f++)
        {
            // One walks right from x = 60, the other left from x = 540, 8 px a frame; they pass at frame 30.
            var right = Person(60 + 8 * f, 200);
            var left = Person(540 - 8 * f, 210);
            var step = Frame(tracker, f, right, left);
            if (f == 5)
            {
                rightwardId = step.TrackIdOf(0);
                leftwardId = step.TrackIdOf(1);
                Assert.NotEqual(rightwardId, leftwardId);
            }
            if (f > 5)
            {
                Assert.Equal(rightwardId, step.TrackIdOf(0));
                Assert.Equal(leftwardId, step.TrackIdOf(1));
            }
        }
    }

    [Fact]
    public void TwoPeopleCrossing_OneHiddenBehindTheOther_KeepTheirIds()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        int rightwardId = -1, leftwardId = -1;
        for (int f = 0; f < 60; f++)
        {
            var right = Person(60 + 8 * f, 200);
            var left = Person(540 - 8 * f, 205);
            // While they overlap, only the one in front (walking left) is detected.
            bool hidden = Math.Abs((60 + 8 * f) - (540 - 8 * f)) < 40;
            var step = hidden ? Frame(tracker, f, left) : Frame(tracker, f, right, left);
            if (f == 5) (rightwardId, leftwardId) = (step.TrackIdOf(0), step.TrackIdOf(1));
            if (f > 5 && hidden) Assert.Equal(leftwardId, step.TrackIdOf(0));
            if (f > 5 && !hidden)
            {
                Assert.Equal(rightwardId, step.TrackIdOf(0));
                Assert.Equal(leftwardId, step.TrackIdOf(1));
            }
        }
        Assert.Equal(2, tracker.Tracks.Count);
    }

    [Fact]
    public void ObjectMissedForSomeFrames_ThenSeenFaintly_KeepsItsId_ByPredictionAndTheLowScoreStage()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        int id = -1;
        // 15 px a frame: after the gap its box no longer overlaps where it was last seen, so only the
        // Kalman filter's prediction can find it again.
        for (int f = 0; f < 40; f++)
        {
            float x = 20 + 15 * f;
            TrackerStep step;
            if (f is >= 15 and < 20) step = Frame(tracker, f); // not detected at all
            else if (f is >= 20 and < 24) step = Frame(tracker, f, Person(x, score: 0.3f)); // partly hidden
            else step = Frame(tracker, f, Person(x));

            if (f == 5) id = step.TrackIdOf(0);
            if (f is >= 15 and < 20) Assert.Equal(TrackState.Lost, Assert.Single(tracker.Tracks).State);
            if (f > 5 && step.Count == 1) Assert.Equal(id, step.TrackIdOf(0));
        }
        Assert.Equal(id, Assert.Single(tracker.Tracks).Id);
    }

    [Fact]
    public void LowScoreDetection_NeverStartsATrack()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        for (int f = 0; f < 10; f++) Assert.Equal(-1, Frame(tracker, f, Person(100, score: 0.4f)).TrackIdOf(0));
        Assert.Empty(tracker.Tracks);
    }

    [Fact]
    public void OneFrameFalseDetection_StartsATentativeTrack_ThatEndsUnconfirmed()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        var first = Frame(tracker, 0, Person(100));
        var started = Assert.Single(first.Changes);
        Assert.Equal(TrackChangeKind.Started, started.Kind);
        Assert.Equal(TrackState.Tentative, started.Track.State);

        var next = Frame(tracker, 1);
        var ended = Assert.Single(next.Changes);
        Assert.Equal((started.Track, TrackChangeKind.Ended), (ended.Track, ended.Kind));
        Assert.False(ended.Track.IsConfirmed);
        Assert.Empty(tracker.Tracks);
    }

    [Fact]
    public void Track_IsConfirmedAfterConfirmFramesInARow()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        int confirmFrames = TrackerSettings.Default.ConfirmFrames;
        Assert.Equal([TrackChangeKind.Started], Frame(tracker, 0, Person(100)).Changes.Select(c => c.Kind));
        for (int f = 1; f < confirmFrames - 1; f++) Assert.Empty(Frame(tracker, f, Person(100 + 2 * f)).Changes);
        var last = Frame(tracker, confirmFrames - 1, Person(100 + 2 * (confirmFrames - 1)));
        Assert.Equal([TrackChangeKind.Confirmed], last.Changes.Select(c => c.Kind));
        Assert.Equal(TrackState.Tracked, last.TrackOf(0)!.State);
    }

    [Fact]
    public void Track_WithAPoorMedianScore_StaysTentative_UntilItsScoresImprove()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        float[] scores = [0.9f, 0.5f, 0.5f, 0.5f, 0.9f, 0.9f, 0.9f];
        var kinds = new List<TrackChangeKind>();
        for (int f = 0; f < scores.Length; f++)
        {
            var step = Frame(tracker, f, Person(100, score: scores[f]));
            kinds.AddRange(step.Changes.Select(c => c.Kind));
            // Median of (0.9, 0.5, 0.5, 0.5, 0.9, 0.9) is 0.7: confirmed at the sixth frame, not before.
            Assert.Equal(f >= 5, step.TrackOf(0)!.IsConfirmed);
        }
        Assert.Equal([TrackChangeKind.Started, TrackChangeKind.Confirmed], kinds);
    }

    [Fact]
    public void DetectionOfAnotherLabel_ContinuesTheTrack_WhenItOverlapsItWell()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        for (int f = 0; f < 5; f++) Frame(tracker, f, Person(100 + 2 * f));
        var person = Assert.Single(tracker.Tracks);
        // The model calls the same box a car in one frame: the person's track goes on, nothing new starts.
        var step = Frame(tracker, 5, Det(110, 200, 150, 300, 0.9f, "car"));
        Assert.Same(person, step.TrackOf(0));
        Assert.Equal(TrackState.Tracked, person.State);
        Assert.Same(person, Assert.Single(tracker.Tracks));
        Assert.Equal("person", person.Label);
    }

    [Fact]
    public void DetectionOfAnotherLabel_DoesNotContinueATrack_WhenLabelsAreKeptApart()
    {
        var tracker = new ByteTracker(TrackerSettings.Default with { OtherLabelPenalty = 1 });
        for (int f = 0; f < 5; f++) Frame(tracker, f, Person(100));
        var personId = tracker.Tracks[0].Id;
        var step = Frame(tracker, 5, Det(100, 200, 140, 300, 0.9f, "car"));
        Assert.NotEqual(personId, step.TrackIdOf(0));
        Assert.Equal(TrackState.Lost, tracker.Tracks.Single(t => t.Id == personId).State);
    }

    [Fact]
    public void DetectionOfAnotherLabel_NeedsMoreOverlap_ThanOneOfTheTracksOwnLabel()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        for (int f = 0; f < 5; f++) Frame(tracker, f, Person(100));
        var person = tracker.Tracks[0];
        // IoU 0.45 with the track's box: enough for a person (MatchIou 0.1), not for a car (0.1 + OtherLabelPenalty 0.6).
        var step = Frame(tracker, 5, Det(115, 200, 155, 300, 0.9f, "car"));
        Assert.NotSame(person, step.TrackOf(0));
        Assert.Equal(TrackState.Lost, person.State);
        step = Frame(tracker, 6, Det(115, 200, 155, 300, 0.9f, "person"));
        Assert.Same(person, step.TrackOf(0));
    }

    [Fact]
    public void WhereBoxesOfTwoLabelsOverlapATrack_ItTakesItsOwnLabel_AndTheOtherStartsNothing()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        for (int f = 0; f < 5; f++) Frame(tracker, f, Person(100));
        var person = tracker.Tracks[0];
        for (int f = 5; f < 15; f++)
        {
            // Per-class NMS keeps both: a car box right on the track, a person box a little off it.
            var step = Frame(tracker, f, Det(100, 200, 140, 300, 0.95f, "car"), Det(104, 202, 144, 302, 0.8f, "person"));
            Assert.Same(person, step.TrackOf(1));
            Assert.Null(step.TrackOf(0));
        }
        Assert.Same(person, Assert.Single(tracker.Tracks));
    }

    [Fact]
    public void NewObject_SeenUnderTwoLabels_StartsOneTrack()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        for (int f = 0; f < 10; f++)
        {
            var step = Frame(tracker, f, Det(300, 100, 340, 200, 0.7f, "car"), Person(302, 101, 0.9f));
            Assert.Null(step.TrackOf(0));
            Assert.NotNull(step.TrackOf(1));
        }
        var track = Assert.Single(tracker.Tracks);
        Assert.True(track.IsConfirmed);
        Assert.Equal("person", track.Label);
    }

    [Fact]
    public void TrackLabel_IsTheVoteOfItsDetectionsScores()
    {
        var tracker = new ByteTracker(TrackerSettings.Default with { LabelHalfLifeSeconds = 0 });
        static PixelDetection Box(string label, float score) => Det(100, 200, 140, 300, score, label);
        int f = 0;
        for (; f < 3; f++) Frame(tracker, f, Box("person", 0.9f));
        var track = Assert.Single(tracker.Tracks);
        // Two confident car frames do not outvote three person frames (1.9 against 2.7)...
        for (; f < 5; f++) Frame(tracker, f, Box("car", 0.95f));
        Assert.Equal(("person", 1), (track.Label, track.ClassId));
        Assert.Equal(2.7, track.VotesFor(1), 5);
        Assert.Equal(1.9, track.VotesFor(2), 5);
        // ...two more do (3.8).
        for (; f < 7; f++) Frame(tracker, f, Box("car", 0.95f));
        Assert.Equal(("car", 2), (track.Label, track.ClassId));
        Assert.Same(track, Assert.Single(tracker.Tracks));
    }

    [Fact]
    public void TrackLabelVotes_Fade_SoSecondsOfAnotherLabelTurnIt()
    {
        // Called a person for 10 s, then a car at the same score: with votes fading by half every 5 s the
        // car has it within 6 s; with votes that never fade it would take 10 s.
        static string LabelAfter(TrackerSettings settings, int carFrames)
        {
            var tracker = new ByteTracker(settings);
            for (int f = 0; f < 100 + carFrames; f++) Frame(tracker, f, Det(100, 200, 140, 300, 0.9f, f < 100 ? "person" : "car"));
            return Assert.Single(tracker.Tracks).Label;
        }
        Assert.Equal(5, TrackerSettings.Default.LabelHalfLifeSeconds);
        Assert.Equal("person", LabelAfter(TrackerSettings.Default, 20));
        Assert.Equal("car", LabelAfter(TrackerSettings.Default, 60));
        Assert.Equal("person", LabelAfter(TrackerSettings.Default with { LabelHalfLifeSeconds = 0 }, 60));
    }

    [Fact]
    public void ObjectComingIntoView_ScoringLowForSomeFrames_KeepsItsTentativeTrack()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        float[] scores = [0.9f, 0.3f, 0.3f, 0.9f, 0.9f];
        int id = -1;
        for (int f = 0; f < scores.Length; f++)
        {
            var step = Frame(tracker, f, Person(100 + 3 * f, score: scores[f]));
            if (f == 0) id = step.TrackIdOf(0);
            Assert.Equal(id, step.TrackIdOf(0));
        }
        // Median of (0.9, 0.3, 0.3, 0.9, 0.9) is 0.9: confirmed at the fifth frame, as one track.
        Assert.True(Assert.Single(tracker.Tracks).IsConfirmed);
    }

    [Fact]
    public void LostTrack_IsFoundAgain_AwayFromWhereItsPredictionDrifted()
    {
        // A person walks right 10 px a frame, goes behind something for a second and comes out 110 px
        // lower: its box does not overlap the predicted one at all, but the widened boxes do.
        static int IdAfterTheGap(TrackerSettings settings)
        {
            var tracker = new ByteTracker(settings);
            for (int f = 0; f < 20; f++) Frame(tracker, f, Person(20 + 10 * f));
            for (int f = 20; f < 30; f++) Frame(tracker, f);
            int id = tracker.Tracks[0].Id;
            var step = Frame(tracker, 30, Person(20 + 10 * 30, 310));
            return step.TrackIdOf(0) == id ? id : -1;
        }
        Assert.NotEqual(-1, IdAfterTheGap(TrackerSettings.Default));
        Assert.Equal(-1, IdAfterTheGap(TrackerSettings.Default with { LostBuffer = 0 }));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(30)]
    public void ConfirmedTrack_EndsWhenUnseenForLostSeconds_AtAnyFrameRate(double fps)
    {
        var settings = new TrackerSettings { LostSeconds = 2 };
        var tracker = new ByteTracker(settings);
        int frame = 0;
        for (; frame < 10; frame++) tracker.Update(At(frame / fps), Width, Height, [Person(100)]);
        double lastSeen = (frame - 1) / fps;
        double endedAt = double.NaN;
        for (; frame < 10 + 4 * fps; frame++)
        {
            var step = tracker.Update(At(frame / fps), Width, Height, []);
            if (step.Changes.Any(c => c.Kind == TrackChangeKind.Ended)) { endedAt = frame / fps; break; }
        }
        Assert.InRange(endedAt - lastSeen, 2, 2 + 1 / fps + 1e-9);
        Assert.Empty(tracker.Tracks);
    }

    [Fact]
    public void DroppedFrames_ArePredictedAsFarAsTheObjectMoved()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        int id = -1;
        // 20 px a frame at 10 fps, then a run where only every fourth frame arrives: a filter that moved
        // one frame's worth per update would fall 60 px behind, less than the box's 40 px overlap.
        int[] frames = [.. Enumerable.Range(0, 20), 24, 28, 32, 36, 40];
        foreach (int f in frames)
        {
            var step = Frame(tracker, f, Person(20 + 12 * f));
            if (f == 5) id = step.TrackIdOf(0);
            if (f > 5) Assert.Equal(id, step.TrackIdOf(0));
        }
    }

    [Fact]
    public void FrameSizeChange_EndsEveryTrack()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        for (int f = 0; f < 5; f++) Frame(tracker, f, Person(100));
        var old = tracker.Tracks[0];
        var step = tracker.Update(At(0.5), 1280, 720, [Person(100)]);
        Assert.Contains(new TrackChange(old, TrackChangeKind.Ended), step.Changes);
        Assert.NotEqual(old.Id, step.TrackIdOf(0));
    }

    [Fact]
    public void Constructor_RejectsBadSettings_WithTheirLine()
    {
        var e = Assert.Throws<ArgumentException>(() => new ByteTracker(new TrackerSettings { ConfirmFrames = 0 }));
        Assert.StartsWith("ConfirmFrames must be at least 1", e.Message);
    }
}
