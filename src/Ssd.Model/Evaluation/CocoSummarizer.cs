namespace Ssd.Model.Evaluation;

/// <summary>
/// COCO's <c>summarize</c> numbers: each stat is the numpy mean of the accumulated cells that are not -1,
/// taken in numpy's row-major order (IoU threshold, then recall point, then category for precision; IoU
/// threshold, then category for recall), or -1 when every cell is -1.
/// </summary>
internal static class CocoSummarizer
{
    /// <summary>The value of <paramref name="stat"/>.</summary>
    public static double Compute(AccumulatedEvaluation eval, SummaryStat stat)
    {
        int a = CocoEvalParams.AreaIndex(stat.Area);
        int m = CocoEvalParams.MaxDetsIndex(stat.MaxDets);
        var cells = new List<double>();
        foreach (int t in Thresholds(stat.IouThreshold))
        {
            if (stat.IsPrecision)
            {
                for (int r = 0; r < eval.RecallPoints; r++)
                {
                    for (int k = 0; k < eval.Categories; k++) cells.Add(eval.Precision(t, r, k, a, m));
                }
            }
            else
            {
                for (int k = 0; k < eval.Categories; k++) cells.Add(eval.Recall(t, k, a, m));
            }
        }
        return NumpyMean.OfValid(cells);
    }

    /// <summary>AP over IoU 0.50:0.95, all sizes, 100 detections, of category index <paramref name="k"/>; -1 when it has no counted ground truth.</summary>
    public static double CategoryAp(AccumulatedEvaluation eval, int k)
    {
        int a = CocoEvalParams.AreaIndex("all");
        int m = CocoEvalParams.MaxDetsIndex(CocoEvalParams.MaxDetsPerImage);
        var cells = new List<double>(eval.Thresholds * eval.RecallPoints);
        for (int t = 0; t < eval.Thresholds; t++)
        {
            for (int r = 0; r < eval.RecallPoints; r++) cells.Add(eval.Precision(t, r, k, a, m));
        }
        return NumpyMean.OfValid(cells);
    }

    /// <summary>All threshold indices, or the one whose threshold equals <paramref name="iou"/> exactly.</summary>
    private static IEnumerable<int> Thresholds(double? iou)
    {
        var thresholds = CocoEvalParams.IouThresholds;
        for (int t = 0; t < thresholds.Count; t++)
        {
            if (iou is null || thresholds[t] == iou.Value) yield return t;
        }
    }
}
