namespace SsdStream.Pipeline.Recording;

/// <summary>What a recorder records.</summary>
public enum RecordingMode
{
    /// <summary>Everything, in segments of <see cref="RecordingSettings.SegmentSeconds"/>.</summary>
    Continuous,

    /// <summary>Only around detections, with pre- and post-roll.</summary>
    Events,
}

/// <summary>
/// The recording section of the configuration (<c>SsdStream:Recording</c>), bound as it is: each key's
/// default is here and nowhere else. <see cref="Directory"/> is resolved to a full path by whoever binds it.
/// </summary>
public sealed record RecordingSettings
{
    public bool Enabled { get; init; } = true;

    /// <summary>Root directory: segments go to &lt;Directory&gt;/&lt;camera&gt;/&lt;yyyy-MM-dd&gt;/&lt;HH-mm-ss&gt;.mp4 (UTC).</summary>
    public string Directory { get; init; } = "recordings";

    public RecordingMode Mode { get; init; } = RecordingMode.Continuous;

    /// <summary>Segment length, counted in source frames (a segment plays this long).</summary>
    public double SegmentSeconds { get; init; } = 60;

    /// <summary>Events mode: labels that make an event (empty: any label).</summary>
    public IReadOnlyList<string> EventLabels { get; init; } = [];

    /// <summary>Events mode: the score a detection needs to start or prolong an event.</summary>
    public float EventMinScore { get; init; } = 0.5f;

    public double PreRollSeconds { get; init; } = 5;

    public double PostRollSeconds { get; init; } = 5;

    /// <summary>Segments older than this are deleted (0: keep).</summary>
    public double MaxAgeHours { get; init; } = 72;

    /// <summary>Total size per camera in MiB before the oldest segments go (0: no limit).</summary>
    public double MaxSizeMb { get; init; } = 2048;

    public double RetentionCheckSeconds { get; init; } = 60;

    /// <summary>Frames the recorder may fall behind before it drops frames (detection never waits for it).</summary>
    public int QueueFrames { get; init; } = 120;

    /// <summary>ffmpeg for H.264 MP4; when it is missing (or empty), OpenCV's mp4v with a warning.</summary>
    public string Ffmpeg { get; init; } = "ffmpeg";

    public bool EventsOnly => Mode == RecordingMode.Events;

    public TimeSpan SegmentLength => TimeSpan.FromSeconds(SegmentSeconds);

    public TimeSpan PreRoll => TimeSpan.FromSeconds(PreRollSeconds);

    public TimeSpan PostRoll => TimeSpan.FromSeconds(PostRollSeconds);

    public TimeSpan? MaxAge => MaxAgeHours > 0 ? TimeSpan.FromHours(MaxAgeHours) : null;

    public long? MaxBytes => MaxSizeMb > 0 ? (long)(MaxSizeMb * 1024 * 1024) : null;

    /// <summary>Frame rate of the written video when the source does not say.</summary>
    public const double DefaultFps = 10;

    /// <summary>How long a frame waits for its detections before it is drawn with what is known.</summary>
    public static readonly TimeSpan ResultWait = TimeSpan.FromSeconds(2);
}
