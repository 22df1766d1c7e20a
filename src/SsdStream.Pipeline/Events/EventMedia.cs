namespace SsdStream.Pipeline.Events;

/// <summary>Part of a recorded segment that covers an event: the segment's file and the event's span in it, seconds from its start.</summary>
public sealed record ClipSpan(string Path, double StartOffsetSeconds, double EndOffsetSeconds);

/// <summary>
/// An event's media, paths absolute: its best snapshot (annotated and clean JPEG), and the recording that
/// covers it: in <c>events</c> mode its own clip (<see cref="Clip"/>; events of a camera that overlap
/// share one), in <c>continuous</c> mode the segments and offsets that cover it (<see cref="Segments"/>).
/// </summary>
public sealed record EventMedia(string? Snapshot, string? CleanSnapshot, string? Clip, IReadOnlyList<ClipSpan> Segments)
{
    public static EventMedia None { get; } = new(null, null, null, []);

    /// <summary>When the snapshot's frame was taken, and the object's box in it (pixels of the frame); null without a snapshot.</summary>
    public (DateTimeOffset Time, Tracking.CornerBox Box)? SnapshotOf { get; init; }

    public bool HasSnapshot => Snapshot != null;

    public bool HasClip => Clip != null || Segments.Count > 0;
}
