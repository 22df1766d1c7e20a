using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// A camera's filter on detections: minimum score, labels to include (empty: all) or exclude, and the
/// minimum box area in pixels of the original frame.
/// </summary>
public sealed record DetectionFilter(float MinScore = 0.35f, IReadOnlySet<string>? Include = null, IReadOnlySet<string>? Exclude = null, float MinArea = 0)
{
    public static DetectionFilter Default { get; } = new();

    public bool Accepts(PixelDetection d) =>
        d.Score >= MinScore
        && (Include is null || Include.Count == 0 || Include.Contains(d.Label))
        && (Exclude is null || !Exclude.Contains(d.Label))
        && d.Area >= MinArea;

    public PixelDetection[] Apply(IEnumerable<PixelDetection> detections) => detections.Where(Accepts).ToArray();
}
