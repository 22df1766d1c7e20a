namespace Ssd.Model.Evaluation;

/// <summary>
/// pycocotools' <c>eval['precision']</c> <c>[T, R, K, A, M]</c> and <c>eval['recall']</c> <c>[T, K, A, M]</c>:
/// per IoU threshold, recall point, category, size range and detection budget. -1 marks a cell whose
/// category has no counted ground truth for that size range.
/// </summary>
internal sealed class AccumulatedEvaluation
{
    private readonly double[] _precision;
    private readonly double[] _recall;

    public AccumulatedEvaluation(int thresholds, int recallPoints, int categories, int areas, int maxDets)
    {
        Thresholds = thresholds;
        RecallPoints = recallPoints;
        Categories = categories;
        Areas = areas;
        MaxDets = maxDets;
        _precision = new double[thresholds * recallPoints * categories * areas * maxDets];
        _recall = new double[thresholds * categories * areas * maxDets];
        Array.Fill(_precision, -1.0);
        Array.Fill(_recall, -1.0);
    }

    public int Thresholds { get; }
    public int RecallPoints { get; }
    public int Categories { get; }
    public int Areas { get; }
    public int MaxDets { get; }

    /// <summary>Precision at IoU threshold <paramref name="t"/>, recall point <paramref name="r"/>, category <paramref name="k"/>, range <paramref name="a"/>, budget <paramref name="m"/>.</summary>
    public double Precision(int t, int r, int k, int a, int m) => _precision[PrecisionIndex(t, r, k, a, m)];

    /// <summary>Final recall at IoU threshold <paramref name="t"/>, category <paramref name="k"/>, range <paramref name="a"/>, budget <paramref name="m"/>.</summary>
    public double Recall(int t, int k, int a, int m) => _recall[((t * Categories + k) * Areas + a) * MaxDets + m];

    /// <summary>Stores one curve: its precision at every recall point and its final recall.</summary>
    public void SetCurve(int t, int k, int a, int m, ReadOnlySpan<double> precisionAtRecall, double recall)
    {
        if (precisionAtRecall.Length != RecallPoints)
            throw new ArgumentException("one precision per recall point", nameof(precisionAtRecall));
        for (int r = 0; r < RecallPoints; r++) _precision[PrecisionIndex(t, r, k, a, m)] = precisionAtRecall[r];
        _recall[((t * Categories + k) * Areas + a) * MaxDets + m] = recall;
    }

    private int PrecisionIndex(int t, int r, int k, int a, int m) => (((t * RecallPoints + r) * Categories + k) * Areas + a) * MaxDets + m;
}
