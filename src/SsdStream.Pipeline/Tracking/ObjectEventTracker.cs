using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// A camera's objects and their events, as Frigate's <c>frigate/events</c>: drops the detections its masks
/// cover, tracks the rest (<see cref="ByteTracker"/>), and turns confirmed tracks into objects with
/// <c>new</c> (once confirmed), <c>update</c> and <c>end</c> (once its track ends) events. An <c>update</c>
/// is published at once when the object's zones change, when it becomes stationary or active again, when
/// its label changes (the vote of its detections, <see cref="Track.Label"/>, turned to another label: the
/// update's <c>before</c> holds the old one, and counts move with it), or when its top score rises by
/// <see cref="TrackerSettings.BetterScoreMargin"/> over the last published one;
/// otherwise only when it has moved (its box overlaps the last published box by less than
/// <see cref="TrackerSettings.StationaryIou"/>), at most every <see cref="TrackerSettings.UpdateThrottleSeconds"/>.
/// So an object sitting still publishes nothing between becoming stationary and moving again.
/// Not thread-safe: one instance per camera, called from one thread.
/// </summary>
public sealed class ObjectEventTracker
{
    private static readonly ObjectEvent[] NoEvents = [];
    private readonly TrackerSettings _settings;
    private readonly ByteTracker _tracker;
    private readonly DetectionMask _mask;
    private readonly Zone[] _zones;
    private readonly Func<DateTimeOffset, string> _newId;
    private readonly Dictionary<int, TrackedObject> _byTrack = [];
    private readonly List<TrackedObject> _objects = [];
    private readonly List<PixelDetection> _kept = [];
    private readonly List<int> _keptIndex = [];

    /// <summary>
    /// The tracker of camera <paramref name="camera"/>. Throws <see cref="ArgumentException"/> with the first
    /// bad setting's line. <paramref name="newId"/> makes an object's id from its start time (default
    /// <see cref="ObjectId.New"/>).
    /// </summary>
    public ObjectEventTracker(string camera, TrackerSettings settings, IReadOnlyList<ZoneSettings>? zones = null,
        IReadOnlyList<MaskSettings>? masks = null, Func<DateTimeOffset, string>? newId = null)
    {
        Camera = camera;
        _settings = settings;
        _tracker = new ByteTracker(settings);
        var duplicates = ZoneSettings.ValidateUniqueNames(zones ?? []);
        if (duplicates.Count > 0) throw new ArgumentException(duplicates[0]);
        _zones = (zones ?? []).Select(z => new Zone(z)).ToArray();
        _mask = masks is { Count: > 0 } ? new DetectionMask(masks) : DetectionMask.None;
        _newId = newId ?? ObjectId.New;
    }

    public string Camera { get; }

    /// <summary>The camera's confirmed objects that have not ended (live; read on the tracker's thread).</summary>
    public IReadOnlyList<TrackedObject> Objects => _objects;

    /// <summary>
    /// Processes one frame taken at <paramref name="time"/>, <paramref name="width"/> x <paramref name="height"/>
    /// pixels, with its <paramref name="detections"/> (boxes in pixels of that frame, all scores the model
    /// gives: the tracker needs the low ones). Times must not go back and the frame size must stay; when
    /// either happens, every object ends first.
    /// </summary>
    public ObjectFrame Process(DateTimeOffset time, int width, int height, IReadOnlyList<PixelDetection> detections)
    {
        _kept.Clear();
        _keptIndex.Clear();
        for (int i = 0; i < detections.Count; i++)
        {
            if (_mask.Drops(detections[i])) continue;
            _kept.Add(detections[i]);
            _keptIndex.Add(i);
        }
        var step = _tracker.Update(time, width, height, _kept);
        List<ObjectEvent>? events = null;

        foreach (var change in step.Changes)
            if (change.Kind == TrackChangeKind.Started)
                _byTrack[change.Track.Id] = new TrackedObject(Camera, change.Track, _settings, _zones);

        for (int k = 0; k < _kept.Count; k++)
        {
            var track = step.TrackOf(k);
            if (track is not null) _byTrack[track.Id].Observe(_kept[k], time, track);
        }

        foreach (var change in step.Changes)
        {
            if (change.Kind == TrackChangeKind.Confirmed)
            {
                var o = _byTrack[change.Track.Id];
                o.Confirm(_newId(o.StartTime));
                _objects.Add(o);
                var snapshot = o.ToSnapshot();
                (events ??= []).Add(new ObjectEvent(ObjectEventType.New, snapshot, snapshot));
                o.MarkPublished(snapshot, time);
            }
            else if (change.Kind == TrackChangeKind.Ended && _byTrack.Remove(change.Track.Id, out var ended) && ended.IsConfirmed)
            {
                (events ??= []).Add(EndOf(ended, change.Track.LastSeen));
            }
        }

        foreach (var o in _objects)
        {
            if (o.FrameTime != time || o.PublishedAt == time || !UpdateDue(o, time)) continue;
            var snapshot = o.ToSnapshot();
            (events ??= []).Add(new ObjectEvent(ObjectEventType.Update, o.Published!, snapshot));
            o.MarkPublished(snapshot, time);
        }

        var ids = new string?[detections.Count];
        var tracks = new int[detections.Count];
        Array.Fill(tracks, -1);
        for (int k = 0; k < _kept.Count; k++)
        {
            var track = step.TrackOf(k);
            if (track is null) continue;
            tracks[_keptIndex[k]] = track.Id;
            if (_byTrack[track.Id] is { IsConfirmed: true } o) ids[_keptIndex[k]] = o.Id;
        }
        var presences = new ObjectPresence[_objects.Count];
        for (int i = 0; i < presences.Length; i++)
        {
            var o = _objects[i];
            presences[i] = new ObjectPresence(o.Id, o.Label, o.Stationary, o.CurrentZones);
        }
        return new ObjectFrame(ids, events is null ? NoEvents : events, presences, tracks);
    }

    /// <summary>Ends every object (the camera stops), with the time it was last seen as its end; returns their <c>end</c> events.</summary>
    public IReadOnlyList<ObjectEvent> EndAll()
    {
        var events = new List<ObjectEvent>();
        foreach (var track in _tracker.EndAll())
            if (_byTrack.Remove(track.Id, out var o) && o.IsConfirmed) events.Add(EndOf(o, track.LastSeen));
        _byTrack.Clear();
        return events;
    }

    private ObjectEvent EndOf(TrackedObject o, DateTimeOffset lastSeen)
    {
        o.End(lastSeen);
        _objects.Remove(o);
        return new ObjectEvent(ObjectEventType.End, o.Published!, o.ToSnapshot());
    }

    private bool UpdateDue(TrackedObject o, DateTimeOffset time)
    {
        var last = o.Published!;
        if (o.Stationary != last.Stationary || o.Label != last.Label) return true;
        if (!ReferenceEquals(o.CurrentZones, last.CurrentZones) && !o.CurrentZones.SequenceEqual(last.CurrentZones)) return true;
        if (o.TopScore >= last.TopScore + _settings.BetterScoreMargin) return true;
        return !o.Stationary
            && (time - o.PublishedAt).TotalSeconds >= _settings.UpdateThrottleSeconds
            && o.Box.Iou(last.Box) < _settings.StationaryIou;
    }
}
