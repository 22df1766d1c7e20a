namespace SsdStream.Pipeline.Tracking.Evaluation;

/// <summary>
/// Tracking quality of one class, or of all classes together, as TrackEval (the MOT Challenge's
/// evaluator) defines it. Ratios are 0..1 (MOTA can be negative); counts are of boxes unless told.
/// </summary>
public sealed record MotMetrics
{
    /// <summary>CLEAR MOTA: 1 − (misses + false positives + id switches) / ground-truth boxes.</summary>
    public double Mota { get; init; }

    /// <summary>CLEAR MOTP: the mean IoU of matched pairs (TrackEval's; higher is better).</summary>
    public double Motp { get; init; }

    /// <summary>Identity F1: 2·IDTP / (ground-truth boxes + result boxes).</summary>
    public double Idf1 { get; init; }

    /// <summary>Identity precision: IDTP / result boxes.</summary>
    public double Idp { get; init; }

    /// <summary>Identity recall: IDTP / ground-truth boxes.</summary>
    public double Idr { get; init; }

    /// <summary>HOTA: the geometric mean of detection and association accuracy, averaged over IoU thresholds 0.05..0.95.</summary>
    public double Hota { get; init; }

    /// <summary>HOTA's detection accuracy, averaged over the thresholds.</summary>
    public double DetA { get; init; }

    /// <summary>HOTA's association accuracy, averaged over the thresholds.</summary>
    public double AssA { get; init; }

    /// <summary>CLEAR identity switches.</summary>
    public int IdSwitches { get; init; }

    /// <summary>Ground-truth objects matched in more than 80% of their boxes.</summary>
    public int MostlyTracked { get; init; }

    /// <summary>Ground-truth objects matched in 20% to 80% of their boxes.</summary>
    public int PartlyTracked { get; init; }

    /// <summary>Ground-truth objects matched in less than 20% of their boxes.</summary>
    public int MostlyLost { get; init; }

    /// <summary>CLEAR matches (IoU ≥ 0.5).</summary>
    public int TruePositives { get; init; }

    public int FalsePositives { get; init; }

    /// <summary>Misses.</summary>
    public int FalseNegatives { get; init; }

    /// <summary>Identity true positives: boxes matched under the one-to-one assignment of ids.</summary>
    public double IdTruePositives { get; init; }

    /// <summary>Ground-truth objects (ids) evaluated.</summary>
    public int GroundTruthIds { get; init; }

    /// <summary>Ground-truth boxes evaluated (consider 1).</summary>
    public int GroundTruthBoxes { get; init; }

    /// <summary>Result boxes evaluated (after those on ignored ground truth are removed).</summary>
    public int ResultBoxes { get; init; }
}

/// <summary>The evaluation of a results file against ground truth: per class id, and all classes together.</summary>
/// <param name="Overall">All classes' counts summed, then the metrics computed (TrackEval's detection-averaged combination).</param>
public sealed record MotEvaluation(IReadOnlyDictionary<int, MotMetrics> PerClass, MotMetrics Overall);
