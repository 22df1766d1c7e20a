namespace Ssd.Model.Evaluation;

/// <summary>
/// One of the twelve numbers pycocotools' <c>summarize</c> prints: average precision or recall, over all IoU
/// thresholds or at one (<see cref="IouThreshold"/>), for one size range and detection budget.
/// </summary>
internal sealed record SummaryStat(bool IsPrecision, double? IouThreshold, string Area, int MaxDets)
{
    /// <summary>The twelve stats in pycocotools order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.</summary>
    public static IReadOnlyList<SummaryStat> All { get; } =
    [
        new(true, null, "all", 100),
        new(true, 0.5, "all", 100),
        new(true, 0.75, "all", 100),
        new(true, null, "small", 100),
        new(true, null, "medium", 100),
        new(true, null, "large", 100),
        new(false, null, "all", 1),
        new(false, null, "all", 10),
        new(false, null, "all", 100),
        new(false, null, "small", 100),
        new(false, null, "medium", 100),
        new(false, null, "large", 100),
    ];
}
