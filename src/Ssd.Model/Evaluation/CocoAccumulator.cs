namespace Ssd.Model.Evaluation;

/// <summary>
/// COCO's <c>accumulate</c>: per category, size range and detection budget, the precision/recall curves
/// over all images. Each image contributes its best <c>maxDet</c> detections of the category (ignored ones
/// use up the budget too); the images are concatenated in ascending id order and stably sorted by score,
/// so equal scores go to the lower image id, then to file order.
/// </summary>
internal static class CocoAccumulator
{
    /// <summary>
    /// Builds the curves from <paramref name="matches"/>, indexed <c>[category][area][image]</c> (null where
    /// a pair has neither ground truth nor detection), images in ascending id order.
    /// </summary>
    public static AccumulatedEvaluation Accumulate(ImageMatchResult?[][][] matches, int imageCount)
    {
        var iouThresholds = CocoEvalParams.IouThresholds;
        var recallThresholds = CocoEvalParams.RecallThresholds;
        var areas = CocoEvalParams.AreaRanges;
        var budgets = CocoEvalParams.MaxDets;
        var result = new AccumulatedEvaluation(iouThresholds.Count, recallThresholds.Count, matches.Length, areas.Count, budgets.Count);
        var precisionAtRecall = new double[recallThresholds.Count];
        var curve = new PrecisionRecallCurve();

        for (int k = 0; k < matches.Length; k++)
        {
            for (int m = 0; m < budgets.Count; m++)
            {
                // The kept detections and their score order are the same for every size range.
                var ranked = RankDetections(matches[k][0], imageCount, budgets[m]);
                var outcomes = new DetectionOutcome[ranked.Length];
                for (int a = 0; a < areas.Count; a++)
                {
                    var perImage = matches[k][a];
                    int counted = 0;
                    for (int i = 0; i < imageCount; i++) counted += perImage[i]?.CountedGroundTruths ?? 0;
                    if (counted == 0) continue;
                    for (int t = 0; t < iouThresholds.Count; t++)
                    {
                        for (int p = 0; p < ranked.Length; p++)
                        {
                            outcomes[p] = perImage[ranked[p].Image]!.Outcome(t, ranked[p].Rank);
                        }
                        double recall = curve.Sample(outcomes, counted, recallThresholds, precisionAtRecall);
                        result.SetCurve(t, k, a, m, precisionAtRecall, recall);
                    }
                }
            }
        }
        return result;
    }

    /// <summary>
    /// Each image's best <paramref name="maxDet"/> detections, concatenated in image order and stably sorted
    /// by score, best first, as (image index, rank within the image).
    /// </summary>
    private static (int Image, int Rank)[] RankDetections(ImageMatchResult?[] perImage, int imageCount, int maxDet)
    {
        var entries = new List<(int Image, int Rank)>();
        var scores = new List<double>();
        for (int i = 0; i < imageCount; i++)
        {
            var match = perImage[i];
            if (match is null) continue;
            int kept = Math.Min(maxDet, match.DetectionCount);
            for (int d = 0; d < kept; d++)
            {
                entries.Add((i, d));
                scores.Add(match.Scores[d]);
            }
        }
        var order = new int[entries.Count];
        for (int p = 0; p < order.Length; p++) order[p] = p;
        // Ties fall back to concatenation order, which makes the unstable Array.Sort stable.
        Array.Sort(order, (x, y) =>
        {
            int byScore = scores[y].CompareTo(scores[x]);
            return byScore != 0 ? byScore : x.CompareTo(y);
        });
        var ranked = new (int Image, int Rank)[order.Length];
        for (int p = 0; p < order.Length; p++) ranked[p] = entries[order[p]];
        return ranked;
    }
}
