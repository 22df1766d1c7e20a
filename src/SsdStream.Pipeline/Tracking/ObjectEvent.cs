namespace SsdStream.Pipeline.Tracking;

/// <summary>The kind of an object event, as Frigate's <c>frigate/events</c> <c>type</c>.</summary>
public enum ObjectEventType
{
    /// <summary>An object was confirmed (<c>new</c>).</summary>
    New,

    /// <summary>Its zones or stationary state changed, its top score clearly rose, or it moved (<c>update</c>).</summary>
    Update,

    /// <summary>It ended (<c>end</c>).</summary>
    End,
}

/// <summary>
/// An object as an event carries it, with Frigate's field names where the meaning is the same (in
/// brackets). Boxes are corners [x1, y1, x2, y2]: <see cref="Box"/> in pixels of the frame,
/// <see cref="BoxNormalized"/> in fractions 0..1 of it.
/// </summary>
/// <param name="Id">(<c>id</c>) Unique across cameras and restarts (<see cref="ObjectId"/>).</param>
/// <param name="Camera">(<c>camera</c>)</param>
/// <param name="Label">(<c>label</c>)</param>
/// <param name="Score">(<c>score</c>) Its latest detection's score.</param>
/// <param name="TopScore">(<c>top_score</c>) The highest median of its recent scores so far.</param>
/// <param name="Box">(<c>box</c>) Its latest detection's box, pixels.</param>
/// <param name="BoxNormalized">(<c>box_normalized</c>) The same box in fractions 0..1 of the frame.</param>
/// <param name="Area">(<c>area</c>) Area of <paramref name="Box"/>, square pixels.</param>
/// <param name="StartTime">(<c>start_time</c>) When its first detection was seen.</param>
/// <param name="EndTime">(<c>end_time</c>) When it was last seen, once it has ended; null before.</param>
/// <param name="FrameTime">(<c>frame_time</c>) When its latest detection was seen.</param>
/// <param name="CurrentZones">(<c>current_zones</c>) Zones it is in now, in the camera's zone order.</param>
/// <param name="EnteredZones">(<c>entered_zones</c>) Zones it has ever been in, in the order it entered them.</param>
/// <param name="Stationary">(<c>stationary</c>) Whether it has kept still for <see cref="TrackerSettings.StationarySeconds"/>.</param>
/// <param name="Active">(<c>active</c>) The opposite of <paramref name="Stationary"/>.</param>
/// <param name="FalsePositive">(<c>false_positive</c>) Always false in events: unconfirmed tracks are never published.</param>
/// <param name="BestFrameTime">When it had its best detection (highest score; the larger box on a tie): the frame for a snapshot.</param>
/// <param name="BestBox">That detection's box, pixels.</param>
public sealed record ObjectSnapshot(
    string Id,
    string Camera,
    string Label,
    float Score,
    float TopScore,
    CornerBox Box,
    CornerBox BoxNormalized,
    float Area,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    DateTimeOffset FrameTime,
    IReadOnlyList<string> CurrentZones,
    IReadOnlyList<string> EnteredZones,
    bool Stationary,
    bool Active,
    bool FalsePositive,
    DateTimeOffset BestFrameTime,
    CornerBox BestBox);

/// <summary>
/// An event of an object, as Frigate's <c>frigate/events</c> message: <see cref="Before"/> is the object as
/// last published (for <c>new</c>, the same as <see cref="After"/>), <see cref="After"/> as it is now.
/// </summary>
public sealed record ObjectEvent(ObjectEventType Type, ObjectSnapshot Before, ObjectSnapshot After)
{
    /// <summary>The <c>type</c> field: "new", "update" or "end".</summary>
    public string TypeName => Type switch
    {
        ObjectEventType.New => "new",
        ObjectEventType.Update => "update",
        _ => "end",
    };
}

/// <summary>A current object, for counts per camera, label and zone.</summary>
/// <param name="CurrentZones">Zones it is in now (the same list instance until they change).</param>
public readonly record struct ObjectPresence(string Id, string Label, bool Stationary, IReadOnlyList<string> CurrentZones);

/// <summary>What <see cref="ObjectEventTracker.Process"/> made of one frame.</summary>
/// <param name="DetectionObjectIds">For each input detection, in order, the id of the confirmed object it belongs to; null for none (masked, unmatched or a tentative track).</param>
/// <param name="Events">The frame's events: ends, news and updates.</param>
/// <param name="Objects">The camera's current objects, including those unseen in this frame but not yet ended (no flicker when one frame misses a box).</param>
/// <param name="DetectionTracks">For each input detection, in order, the number of the camera tracker's track it continued or started, tentative ones included; -1 for none.</param>
public sealed record ObjectFrame(IReadOnlyList<string?> DetectionObjectIds, IReadOnlyList<ObjectEvent> Events, IReadOnlyList<ObjectPresence> Objects, IReadOnlyList<int> DetectionTracks);
