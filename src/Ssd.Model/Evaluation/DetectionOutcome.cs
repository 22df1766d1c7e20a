namespace Ssd.Model.Evaluation;

/// <summary>What one detection counts as at one IoU threshold and size range.</summary>
internal enum DetectionOutcome : byte
{
    /// <summary>Matched to a crowd or out-of-range ground truth, or unmatched and itself out of range: neither TP nor FP.</summary>
    Ignored,

    /// <summary>Matched to a ground truth that counts.</summary>
    TruePositive,

    /// <summary>Unmatched, and its own area is in range.</summary>
    FalsePositive,
}
