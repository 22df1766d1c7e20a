namespace SsdStream.Pipeline.Recording;

/// <summary>How a camera is recorded.</summary>
public sealed record RecordingSettings
{
    /// <summary>Root directory: segments go to &lt;Directory&gt;/&lt;camera&gt;/&lt;yyyy-MM-dd&gt;/&lt;HH-mm-ss&gt;.mp4 (UTC).</summary>
    public required string Directory { get; init; }

    /// <summary>Record everything, or only around detections.</summary>
    public bool EventsOnly { get; init; }

    public TimeSpan SegmentLength { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Events mode: labels that make an event (empty: any label).</summary>
    public IReadOnlySet<string> EventLabels { get; init; } = new HashSet<string>();

    public float EventMinScore { get; init; } = 0.5f;

    public TimeSpan PreRoll { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan PostRoll { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Frame rate of the written video when the source does not say.</summary>
    public double DefaultFps { get; init; } = 10;

    /// <summary>How long a frame waits for its detections before it is drawn with what is known.</summary>
    public TimeSpan ResultWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>ffmpeg for H.264 MP4 (null: OpenCV's mp4v).</summary>
    public string? FfmpegPath { get; init; } = "ffmpeg";
}
