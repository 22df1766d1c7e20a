using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// A tracked object of a camera as <see cref="ObjectEventTracker"/> keeps it: one track's detections
/// turned into what events publish (<see cref="ObjectSnapshot"/>). It exists from the track's first
/// detection (so zones and the best frame count from the start), gets its id when confirmed and is only
/// published from then on. Boxes: <see cref="Box"/> in pixels, <see cref="BoxNormalized"/> in 0..1.
/// Changed by its tracker on each frame; read it on that thread, or take a <see cref="ToSnapshot"/>.
/// </summary>
public sealed class TrackedObject
{
    private readonly StillnessClock _stillness;
    private readonly ZonePresence _zones;

    internal TrackedObject(string camera, Track track, TrackerSettings settings, IReadOnlyList<Zone> zones)
    {
        Camera = camera;
        TrackId = track.Id;
        Label = track.Label;
        ClassId = track.ClassId;
        StartTime = track.FirstSeen;
        _stillness = new StillnessClock(settings);
        _zones = new ZonePresence(zones);
    }

    /// <summary>Unique across cameras and restarts (<see cref="ObjectId"/>); empty until confirmed.</summary>
    public string Id { get; private set; } = "";

    public string Camera { get; }

    /// <summary>Its track's number in the camera's <see cref="ByteTracker"/>.</summary>
    public int TrackId { get; }

    public string Label { get; private set; }

    public int ClassId { get; private set; }

    /// <summary>Whether its track has been confirmed (it has an id and events).</summary>
    public bool IsConfirmed => Id.Length > 0;

    /// <summary>Its latest detection's score.</summary>
    public float Score { get; private set; }

    /// <summary>The highest median of its recent scores so far.</summary>
    public float TopScore { get; private set; }

    /// <summary>Its latest detection's box, pixels.</summary>
    public CornerBox Box { get; private set; }

    /// <summary>Its latest detection's box, fractions 0..1 of the frame.</summary>
    public CornerBox BoxNormalized { get; private set; }

    public DateTimeOffset StartTime { get; }

    /// <summary>When it was last seen, once it has ended.</summary>
    public DateTimeOffset? EndTime { get; private set; }

    /// <summary>When its latest detection was seen.</summary>
    public DateTimeOffset FrameTime { get; private set; }

    public IReadOnlyList<string> CurrentZones => _zones.Current;

    public IReadOnlyList<string> EnteredZones => _zones.Entered;

    public bool Stationary => _stillness.Stationary;

    public DateTimeOffset BestFrameTime { get; private set; }

    /// <summary>Box of its best detection (highest score; the larger box on a tie), pixels.</summary>
    public CornerBox BestBox { get; private set; }

    private float _bestScore = float.NegativeInfinity;

    /// <summary>The snapshot in its last published event (null before its <c>new</c>).</summary>
    internal ObjectSnapshot? Published { get; private set; }

    internal DateTimeOffset PublishedAt { get; private set; }

    /// <summary>An immutable copy of it as it is now, for an event.</summary>
    public ObjectSnapshot ToSnapshot() => new(
        Id, Camera, Label, Score, TopScore, Box, BoxNormalized, Box.Area, StartTime, EndTime, FrameTime,
        CurrentZones, EnteredZones, Stationary, !Stationary, !IsConfirmed, BestFrameTime, BestBox);

    /// <summary>Takes its detection <paramref name="d"/> of the frame at <paramref name="time"/>, which continued <paramref name="track"/>: its label is the track's vote.</summary>
    internal void Observe(PixelDetection d, DateTimeOffset time, Track track)
    {
        Label = track.Label;
        ClassId = track.ClassId;
        Score = d.Score;
        TopScore = Math.Max(TopScore, track.MedianScore);
        Box = CornerBox.PixelsOf(d);
        BoxNormalized = CornerBox.NormalisedOf(d);
        FrameTime = time;
        if (d.Score > _bestScore || (d.Score == _bestScore && Box.Area > BestBox.Area))
        {
            _bestScore = d.Score;
            BestFrameTime = time;
            BestBox = Box;
        }
        _stillness.Observe(Box, time);
        _zones.Observe(d, Label, time);
    }

    internal void Confirm(string id) => Id = id;

    internal void End(DateTimeOffset lastSeen) => EndTime = lastSeen;

    internal void MarkPublished(ObjectSnapshot snapshot, DateTimeOffset time)
    {
        Published = snapshot;
        PublishedAt = time;
    }
}
