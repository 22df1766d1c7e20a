namespace Ssd.Model.Evaluation;

/// <summary>
/// One COCO precision/recall curve: from the outcomes of a category's detections (all images, best first)
/// and the number of counted ground truths, the final recall and the precision at each recall point.
/// </summary>
/// <remarks>
/// Cumulative TP and FP counts run over every position (ignored detections add to neither). Recall is
/// <c>tp / n</c>; precision is <c>tp / (tp + fp + eps)</c> with <c>eps = 2^-52</c> (numpy's
/// <c>spacing(1)</c>), so a leading ignored detection has precision 0 and a lone TP 1/(1+eps). Precision is
/// made non-increasing from the right, and each recall point <c>r</c> takes the precision at the first
/// position whose recall is at least <c>r</c>, or 0 when recall never reaches it (no interpolation).
/// <para>An instance keeps its working arrays between calls, so one instance serves one thread.</para>
/// </remarks>
internal sealed class PrecisionRecallCurve
{
    /// <summary>numpy's <c>spacing(1)</c>, the gap between 1 and the next double.</summary>
    private const double Eps = 2.220446049250313e-16;

    private double[] _recall = [];
    private double[] _precision = [];

    /// <summary>
    /// Fills <paramref name="precisionAtRecall"/> (one entry per <paramref name="recallThresholds"/>) and
    /// returns the final recall (0 when there is no detection). <paramref name="countedGroundTruths"/> must be positive.
    /// </summary>
    public double Sample(ReadOnlySpan<DetectionOutcome> outcomes, int countedGroundTruths,
        IReadOnlyList<double> recallThresholds, Span<double> precisionAtRecall)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(countedGroundTruths);
        if (precisionAtRecall.Length != recallThresholds.Count)
            throw new ArgumentException("one precision per recall threshold", nameof(precisionAtRecall));

        int n = outcomes.Length;
        if (_recall.Length < n)
        {
            _recall = new double[n];
            _precision = new double[n];
        }
        var recall = _recall.AsSpan(0, n);
        var precision = _precision.AsSpan(0, n);
        double tp = 0, fp = 0;
        for (int i = 0; i < n; i++)
        {
            if (outcomes[i] == DetectionOutcome.TruePositive) tp++;
            else if (outcomes[i] == DetectionOutcome.FalsePositive) fp++;
            recall[i] = tp / countedGroundTruths;
            precision[i] = tp / (fp + tp + Eps);
        }
        for (int i = n - 1; i > 0; i--)
        {
            if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
        }
        int j = 0;
        for (int r = 0; r < recallThresholds.Count; r++)
        {
            while (j < n && recall[j] < recallThresholds[r]) j++;
            precisionAtRecall[r] = j < n ? precision[j] : 0;
        }
        return n > 0 ? recall[n - 1] : 0;
    }
}
