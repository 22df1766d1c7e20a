namespace Ssd.Model.Evaluation;

/// <summary>
/// Everything COCO evaluation looks at for one (image, category) pair: its ground truths in input order, its
/// detections sorted by score (stable: equal scores keep file order) and cut to the per-image budget, and the
/// overlap of every kept detection with every ground truth.
/// </summary>
internal sealed class ImageCategoryInputs
{
    private readonly double[] _ious;

    /// <param name="groundTruths">The pair's ground truths, in input order.</param>
    /// <param name="detections">The pair's detections, best first, at most the per-image budget.</param>
    public ImageCategoryInputs(IReadOnlyList<EvalGroundTruth> groundTruths, IReadOnlyList<EvalDetection> detections)
    {
        GroundTruths = groundTruths;
        Detections = detections;
        Scores = new double[detections.Count];
        _ious = new double[detections.Count * groundTruths.Count];
        for (int d = 0; d < detections.Count; d++)
        {
            Scores[d] = detections[d].Score;
            for (int g = 0; g < groundTruths.Count; g++)
            {
                _ious[d * groundTruths.Count + g] = CocoBoxIou.Of(detections[d], groundTruths[g]);
            }
        }
    }

    /// <summary>The pair's ground truths, in input order.</summary>
    public IReadOnlyList<EvalGroundTruth> GroundTruths { get; }

    /// <summary>The pair's detections, best first, at most the per-image budget.</summary>
    public IReadOnlyList<EvalDetection> Detections { get; }

    /// <summary>The scores of <see cref="Detections"/>, in the same order.</summary>
    public double[] Scores { get; }

    /// <summary>Overlap of detection <paramref name="detection"/> with ground truth <paramref name="groundTruth"/> (indices into the lists above).</summary>
    public double Iou(int detection, int groundTruth) => _ious[detection * GroundTruths.Count + groundTruth];
}
