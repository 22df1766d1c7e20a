namespace SsdStream.Pipeline.Events;

/// <summary>
/// The best snapshot of each object (<c>SsdStream:Snapshots</c>): saved as
/// <c>&lt;Recording:Directory&gt;/&lt;camera&gt;/snapshots/&lt;event-id&gt;.jpg</c> (and <c>-clean.jpg</c>) and
/// published retained on <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;label&gt;/snapshot</c>.
/// </summary>
public sealed record SnapshotSettings
{
    public bool Enabled { get; init; } = true;

    /// <summary>JPEG quality, 1..100.</summary>
    public int Quality { get; init; } = 85;

    /// <summary>Scale snapshots down to at most this height in pixels (0: the frame's own size).</summary>
    public int MaxHeight { get; init; }

    /// <summary>Draw the object's box and label on the snapshot (the clean copy never has them).</summary>
    public bool DrawBoxes { get; init; } = true;

    /// <summary>A new best snapshot replaces the last one at most this often (an end always publishes the best).</summary>
    public double MinSecondsBetween { get; init; } = 2;

    /// <summary>A snapshot is replaced when the score rises by at least this much (or the box stops touching the frame's edge).</summary>
    public float BetterScoreMargin { get; init; } = 0.05f;

    /// <summary>Snapshots older than this are deleted, even of events kept longer (0: kept as long as their event).</summary>
    public double MaxAgeDays { get; init; } = 30;

    /// <summary>One line per bad setting, naming the property.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Quality is < 1 or > 100) errors.Add($"{nameof(Quality)} must be 1..100 (got {Quality})");
        if (MaxHeight < 0) errors.Add($"{nameof(MaxHeight)} cannot be negative (got {MaxHeight})");
        if (!SettingLimits.IsDuration(MinSecondsBetween, allowZero: true))
            errors.Add($"{nameof(MinSecondsBetween)} must be {SettingLimits.DurationRule(allowZero: true)} (got {SettingLimits.Show(MinSecondsBetween)})");
        if (!(BetterScoreMargin is >= 0 and <= 1)) errors.Add($"{nameof(BetterScoreMargin)} must be in [0, 1] (got {BetterScoreMargin})");
        if (!SettingLimits.IsDuration(MaxAgeDays * 86400, allowZero: true))
            errors.Add($"{nameof(MaxAgeDays)} must be {SettingLimits.DurationRule(allowZero: true, "days", 86400)} (got {SettingLimits.Show(MaxAgeDays)})");
        return errors;
    }
}
