namespace Ssd.Model.PostProcessing;

/// <summary>
/// Thresholds of the detection post-processor, applied in this order: score threshold, top-k per
/// class, greedy NMS per class, overall best <see cref="MaxDetections"/>.
/// </summary>
public sealed record PostProcessOptions
{
    /// <summary>Per-class candidates need a score above this (reference: 0.05).</summary>
    public float ScoreThreshold { get; init; } = 0.05f;

    /// <summary>NMS drops a box whose IoU with a kept box of its class is at least this (reference: 0.45).</summary>
    public float NmsThreshold { get; init; } = 0.45f;

    /// <summary>Candidates per class kept for NMS, best first (reference: 200).</summary>
    public int TopKPerClass { get; init; } = 200;

    /// <summary>Detections kept per image over all classes, best first (reference: 200).</summary>
    public int MaxDetections { get; init; } = 200;

    public void Validate()
    {
        if (!(ScoreThreshold >= 0 && ScoreThreshold < 1)) throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "score threshold must be in [0, 1)");
        if (!(NmsThreshold > 0 && NmsThreshold <= 1)) throw new ArgumentOutOfRangeException(nameof(NmsThreshold), NmsThreshold, "NMS threshold must be in (0, 1]");
        if (TopKPerClass < 1) throw new ArgumentOutOfRangeException(nameof(TopKPerClass), TopKPerClass, "top-k per class must be at least 1");
        if (MaxDetections < 1) throw new ArgumentOutOfRangeException(nameof(MaxDetections), MaxDetections, "max detections must be at least 1");
    }
}
