namespace Ssd.Model.Evaluation;

/// <summary>
/// The matching of one (image, category) pair for one size range: the outcome of each kept detection at each
/// IoU threshold, the detections' scores (best first) and how many of the pair's ground truths count.
/// </summary>
internal sealed class ImageMatchResult
{
    private readonly DetectionOutcome[] _outcomes;

    /// <param name="scores">Scores of the pair's kept detections, best first.</param>
    /// <param name="outcomes">Row-major <c>[thresholds, detections]</c> outcomes.</param>
    /// <param name="countedGroundTruths">Ground truths that are neither crowd nor out of range.</param>
    public ImageMatchResult(double[] scores, DetectionOutcome[] outcomes, int countedGroundTruths)
    {
        if (scores.Length == 0 ? outcomes.Length != 0 : outcomes.Length % scores.Length != 0)
            throw new ArgumentException("outcomes must be [thresholds, detections]", nameof(outcomes));
        Scores = scores;
        _outcomes = outcomes;
        CountedGroundTruths = countedGroundTruths;
    }

    /// <summary>Scores of the pair's kept detections, best first.</summary>
    public double[] Scores { get; }

    /// <summary>Number of kept detections.</summary>
    public int DetectionCount => Scores.Length;

    /// <summary>Ground truths that are neither crowd nor out of range (pycocotools' <c>gtIgnore == 0</c>).</summary>
    public int CountedGroundTruths { get; }

    /// <summary>What detection <paramref name="detection"/> (best first) counts as at IoU threshold index <paramref name="threshold"/>.</summary>
    public DetectionOutcome Outcome(int threshold, int detection) => _outcomes[threshold * Scores.Length + detection];
}
