using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// A camera's filter on the detections it publishes (<c>SsdStream:Cameras:N:Filter</c>): minimum score,
/// labels to keep (empty: all) or drop, and the minimum box area in pixels of the original frame.
/// </summary>
public sealed record DetectionFilter
{
    /// <summary>The default of <see cref="MinScore"/>, also what <c>ssdstream detect</c> shows by default (Frigate's min_score).</summary>
    public const float DefaultMinScore = 0.5f;

    public static DetectionFilter Default { get; } = new();

    public float MinScore { get; init; } = DefaultMinScore;

    /// <summary>Only these labels (empty: all).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    public IReadOnlyList<string> ExcludeLabels { get; init; } = [];

    /// <summary>Smallest box area in pixels of the frame.</summary>
    public float MinArea { get; init; }

    public bool Accepts(PixelDetection d) => d.Score >= MinScore && AcceptsApartFromScore(d);

    /// <summary>
    /// Whether the filter keeps the detection by label and area, whatever its score: what the tracker sees
    /// (it needs the low scores to carry tracks through occlusion; <see cref="MinScore"/> still decides what
    /// is published).
    /// </summary>
    public bool AcceptsApartFromScore(PixelDetection d) =>
        (Labels.Count == 0 || Labels.Contains(d.Label))
        && !ExcludeLabels.Contains(d.Label)
        && d.Area >= MinArea;

    public PixelDetection[] Apply(IEnumerable<PixelDetection> detections) => detections.Where(Accepts).ToArray();
}
