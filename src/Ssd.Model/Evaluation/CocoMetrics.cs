namespace Ssd.Model.Evaluation;

/// <summary>
/// The result of a COCO bbox evaluation: pycocotools' twelve <c>stats</c> (-1 where no ground truth counts),
/// the summary it prints, and AP per category.
/// </summary>
public sealed class CocoMetrics
{
    internal CocoMetrics(IReadOnlyList<double> stats, string summary, IReadOnlyDictionary<int, double> apPerCategory)
    {
        if (stats.Count != SummaryStat.All.Count)
            throw new ArgumentException($"expected {SummaryStat.All.Count} stats, got {stats.Count}", nameof(stats));
        Stats = stats;
        Summary = summary;
        ApPerCategory = apPerCategory;
    }

    /// <summary>The twelve numbers in pycocotools order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.</summary>
    public IReadOnlyList<double> Stats { get; }

    /// <summary>AP at IoU 0.50:0.95, all sizes, 100 detections per image.</summary>
    public double AP => Stats[0];

    /// <summary>AP at IoU 0.50.</summary>
    public double AP50 => Stats[1];

    /// <summary>AP at IoU 0.75.</summary>
    public double AP75 => Stats[2];

    /// <summary>AP of small objects (area ≤ 32²).</summary>
    public double APSmall => Stats[3];

    /// <summary>AP of medium objects (32² ≤ area ≤ 96²).</summary>
    public double APMedium => Stats[4];

    /// <summary>AP of large objects (area ≥ 96²).</summary>
    public double APLarge => Stats[5];

    /// <summary>AR with 1 detection per image and category.</summary>
    public double AR1 => Stats[6];

    /// <summary>AR with 10 detections per image and category.</summary>
    public double AR10 => Stats[7];

    /// <summary>AR with 100 detections per image and category.</summary>
    public double AR100 => Stats[8];

    /// <summary>AR of small objects, 100 detections.</summary>
    public double ARSmall => Stats[9];

    /// <summary>AR of medium objects, 100 detections.</summary>
    public double ARMedium => Stats[10];

    /// <summary>AR of large objects, 100 detections.</summary>
    public double ARLarge => Stats[11];

    /// <summary>The twelve lines pycocotools' <c>summarize</c> prints, joined by '\n' (no trailing newline).</summary>
    public string Summary { get; }

    /// <summary>AP at IoU 0.50:0.95, all sizes, 100 detections, per category id; -1 where the category has no counted ground truth.</summary>
    public IReadOnlyDictionary<int, double> ApPerCategory { get; }

    /// <inheritdoc/>
    public override string ToString() => Summary;
}
