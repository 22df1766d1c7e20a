namespace Ssd.Model.Evaluation;

/// <summary>
/// COCO's greedy matching of one (image, category) pair for one size range, independently at each IoU
/// threshold. Ground truths that are crowd or whose <c>area</c> is out of range are ignored and scanned
/// after the counted ones (stable order). Detections are taken best first; each takes, among the ground
/// truths not yet taken (crowd regions are never used up), the one with the highest IoU that is at least
/// the threshold, the later one on equal IoU, and prefers any counted ground truth to an ignored one.
/// </summary>
internal static class ImageMatcher
{
    /// <summary>pycocotools caps the starting IoU bar at <c>1 - 1e-10</c>, so that IoU 1 still matches at threshold 1.</summary>
    private const double MaxIouBar = 1 - 1e-10;

    /// <summary>Matches <paramref name="pair"/>'s detections for <paramref name="range"/> at every threshold of <paramref name="iouThresholds"/>.</summary>
    public static ImageMatchResult Match(ImageCategoryInputs pair, AreaRange range, IReadOnlyList<double> iouThresholds)
    {
        var (order, ignored) = CountedFirst(pair.GroundTruths, range);
        int gtCount = order.Length;
        int detCount = pair.Detections.Count;
        var outcomes = new DetectionOutcome[iouThresholds.Count * detCount];
        var taken = new bool[gtCount];
        for (int t = 0; t < iouThresholds.Count; t++)
        {
            Array.Clear(taken);
            for (int d = 0; d < detCount; d++)
            {
                int match = BestGroundTruth(pair, d, order, ignored, taken, iouThresholds[t]);
                DetectionOutcome outcome;
                if (match >= 0)
                {
                    taken[match] = true;
                    outcome = ignored[match] ? DetectionOutcome.Ignored : DetectionOutcome.TruePositive;
                }
                else
                {
                    var det = pair.Detections[d];
                    outcome = range.Excludes(det.Width * det.Height) ? DetectionOutcome.Ignored : DetectionOutcome.FalsePositive;
                }
                outcomes[t * detCount + d] = outcome;
            }
        }
        int counted = ignored.Count(i => !i);
        return new ImageMatchResult(pair.Scores, outcomes, counted);
    }

    /// <summary>
    /// The position (in <paramref name="order"/>) of the ground truth that detection <paramref name="d"/>
    /// matches at <paramref name="threshold"/>, or -1.
    /// </summary>
    private static int BestGroundTruth(ImageCategoryInputs pair, int d, int[] order, bool[] ignored, bool[] taken, double threshold)
    {
        double bar = Math.Min(threshold, MaxIouBar);
        int match = -1;
        for (int g = 0; g < order.Length; g++)
        {
            var gt = pair.GroundTruths[order[g]];
            if (taken[g] && !gt.IsCrowd) continue;
            // Holding a counted ground truth, stop where the ignored ones begin.
            if (match >= 0 && !ignored[match] && ignored[g]) break;
            double iou = pair.Iou(d, order[g]);
            if (iou < bar) continue;
            bar = iou;
            match = g;
        }
        return match;
    }

    /// <summary>
    /// Ground-truth indices with the counted ones first (each group in input order), and per position whether
    /// it is ignored for <paramref name="range"/>: crowd, or <c>area</c> outside the range.
    /// </summary>
    private static (int[] Order, bool[] Ignored) CountedFirst(IReadOnlyList<EvalGroundTruth> groundTruths, AreaRange range)
    {
        var order = new int[groundTruths.Count];
        var ignored = new bool[groundTruths.Count];
        int next = 0;
        foreach (bool wantIgnored in (ReadOnlySpan<bool>)[false, true])
        {
            for (int g = 0; g < groundTruths.Count; g++)
            {
                var gt = groundTruths[g];
                if ((gt.IsCrowd || range.Excludes(gt.Area)) != wantIgnored) continue;
                order[next] = g;
                ignored[next] = wantIgnored;
                next++;
            }
        }
        return (order, ignored);
    }
}
