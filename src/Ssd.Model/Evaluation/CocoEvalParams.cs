namespace Ssd.Model.Evaluation;

/// <summary>
/// pycocotools' default bbox evaluation parameters, with the thresholds computed the way numpy's
/// <c>linspace</c> computes them (<c>start + i·step</c>, the last one set to <c>stop</c>), so that they are
/// bit-identical: IoU threshold 8 is 0.8999999999999999 and recall threshold 35 is 0.35000000000000003.
/// </summary>
internal static class CocoEvalParams
{
    /// <summary>The ten IoU thresholds, <c>linspace(0.5, 0.95, 10)</c>.</summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Linspace(0.5, 0.95, 10);

    /// <summary>The 101 recall points, <c>linspace(0, 1, 101)</c>.</summary>
    public static IReadOnlyList<double> RecallThresholds { get; } = Linspace(0.0, 1.0, 101);

    /// <summary>Detection budgets per image and category, ascending; the last also truncates before matching.</summary>
    public static IReadOnlyList<int> MaxDets { get; } = [1, 10, 100];

    /// <summary>The size ranges in pycocotools order: all, small, medium, large.</summary>
    public static IReadOnlyList<AreaRange> AreaRanges { get; } =
    [
        new("all", 0, 1e10),
        new("small", 0, 32 * 32),
        new("medium", 32 * 32, 96 * 96),
        new("large", 96 * 96, 1e10),
    ];

    /// <summary>The largest budget, <c>maxDets[-1]</c>: detections kept per image and category.</summary>
    public static int MaxDetsPerImage => MaxDets[^1];

    /// <summary>Index of the area range with this label.</summary>
    public static int AreaIndex(string label)
    {
        for (int a = 0; a < AreaRanges.Count; a++)
        {
            if (AreaRanges[a].Label == label) return a;
        }
        throw new ArgumentOutOfRangeException(nameof(label), label, "no such area range");
    }

    /// <summary>Index of the detection budget <paramref name="maxDets"/>.</summary>
    public static int MaxDetsIndex(int maxDets)
    {
        for (int m = 0; m < MaxDets.Count; m++)
        {
            if (MaxDets[m] == maxDets) return m;
        }
        throw new ArgumentOutOfRangeException(nameof(maxDets), maxDets, "no such detection budget");
    }

    /// <summary>numpy's <c>linspace(start, stop, num)</c> with the end point: <c>i·step + start</c>, last = stop.</summary>
    private static double[] Linspace(double start, double stop, int num)
    {
        double step = (stop - start) / (num - 1);
        var values = new double[num];
        for (int i = 0; i < num; i++) values[i] = i * step + start;
        values[^1] = stop;
        return values;
    }
}
