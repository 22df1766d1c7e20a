namespace SsdStream.Pipeline.Events;

/// <summary>
/// A stretch of a continuous-mode segment that shows (part of) an event.
/// </summary>
/// <param name="Path">The segment's video file, absolute.</param>
/// <param name="StartOffsetSeconds">Where the event's part starts, seconds from the segment's start.</param>
/// <param name="EndOffsetSeconds">Where it ends, seconds from the segment's start.</param>
public sealed record ClipSpan(string Path, double StartOffsetSeconds, double EndOffsetSeconds);

/// <summary>
/// The files that show an event, all paths absolute; null (or empty) for what is not there (yet).
/// </summary>
/// <param name="Snapshot">The best frame of the object as JPEG, its box and label drawn.</param>
/// <param name="CleanSnapshot">The same frame without drawing.</param>
/// <param name="Clip">Events recording mode: the clip file that covers the event (overlapping events of a camera may share one).</param>
/// <param name="Segments">Continuous recording mode: the segments that cover the event, in time order, with the offsets of the event in each.</param>
public sealed record EventMedia(string? Snapshot, string? CleanSnapshot, string? Clip, IReadOnlyList<ClipSpan> Segments)
{
    /// <summary>No media (yet).</summary>
    public static EventMedia None { get; } = new(null, null, null, []);

    /// <summary>Whether there is a snapshot: <c>has_snapshot</c>.</summary>
    public bool HasSnapshot => Snapshot != null;

    /// <summary>Whether there is video of it, a clip of its own or segments: <c>has_clip</c>.</summary>
    public bool HasClip => Clip != null || Segments.Count > 0;
}
