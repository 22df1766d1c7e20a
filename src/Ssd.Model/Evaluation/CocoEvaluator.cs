namespace Ssd.Model.Evaluation;

/// <summary>
/// COCO bbox evaluation with pycocotools' default parameters, reproducing its <c>evaluate</c>,
/// <c>accumulate</c> and <c>summarize</c> to the last bit: per (image, category) matching, per-category
/// precision/recall curves over all images, and the twelve summary numbers.
/// </summary>
public static class CocoEvaluator
{
    /// <summary>
    /// Evaluates <paramref name="detections"/> (in results-file order, which breaks score ties) against
    /// <paramref name="groundTruths"/>.
    /// </summary>
    /// <param name="imageIds">Every image id of the ground-truth file, also those without annotations.</param>
    /// <param name="categoryIds">Every category id of the ground-truth file. Detections of other categories are dropped.</param>
    /// <exception cref="ArgumentException">
    /// A detection or ground truth lies on an image not in <paramref name="imageIds"/>, a ground truth has a
    /// category not in <paramref name="categoryIds"/>, or a detection's score is NaN.
    /// </exception>
    public static CocoMetrics Evaluate(IEnumerable<long> imageIds, IEnumerable<int> categoryIds,
        IEnumerable<EvalGroundTruth> groundTruths, IEnumerable<EvalDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        ArgumentNullException.ThrowIfNull(categoryIds);
        ArgumentNullException.ThrowIfNull(groundTruths);
        ArgumentNullException.ThrowIfNull(detections);

        var index = EvaluationIndex.Build(imageIds, categoryIds, groundTruths, detections);
        var eval = CocoAccumulator.Accumulate(MatchAll(index), index.ImageIds.Count);

        var stats = SummaryStat.All.Select(s => CocoSummarizer.Compute(eval, s)).ToArray();
        string summary = string.Join('\n', SummaryStat.All.Select((s, i) => SummaryFormatter.Line(s, stats[i])));
        var perCategory = new Dictionary<int, double>(index.CategoryIds.Count);
        for (int k = 0; k < index.CategoryIds.Count; k++) perCategory[index.CategoryIds[k]] = CocoSummarizer.CategoryAp(eval, k);
        return new CocoMetrics(stats, summary, perCategory);
    }

    /// <summary>Matches every non-empty (image, category) pair for every size range, as <c>[category][area][image]</c>.</summary>
    private static ImageMatchResult?[][][] MatchAll(EvaluationIndex index)
    {
        var areas = CocoEvalParams.AreaRanges;
        var matches = new ImageMatchResult?[index.CategoryIds.Count][][];
        for (int k = 0; k < matches.Length; k++)
        {
            matches[k] = new ImageMatchResult?[areas.Count][];
            for (int a = 0; a < areas.Count; a++)
            {
                matches[k][a] = new ImageMatchResult?[index.ImageIds.Count];
                for (int i = 0; i < index.ImageIds.Count; i++)
                {
                    var pair = index.Pair(k, i);
                    if (pair is not null) matches[k][a][i] = ImageMatcher.Match(pair, areas[a], CocoEvalParams.IouThresholds);
                }
            }
        }
        return matches;
    }
}
