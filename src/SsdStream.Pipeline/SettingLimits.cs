using System.Globalization;

namespace SsdStream.Pipeline;

/// <summary>
/// The largest values the settings may take where the code computes with them: a duration becomes a
/// <see cref="TimeSpan"/> and is added to a time (1e308 seconds overflows both), a count sizes an array or
/// a thread pool. Past these a value is a typo, and the start refuses it with the key's name instead of
/// failing later at run time.
/// </summary>
public static class SettingLimits
{
    /// <summary>Ten years, the longest duration any setting takes (seconds).</summary>
    public const double MaxSeconds = 10 * 366 * 86400.0;

    /// <summary>
    /// The shortest duration a setting that cannot be 0 takes (seconds): one millisecond. A positive value
    /// below it (1e-320, say) would round to a zero <see cref="TimeSpan"/> and fail where the code needs time
    /// to pass (a stall timeout of 0 ends every stream at once).
    /// </summary>
    public const double MinSeconds = 0.001;

    /// <summary>Whether <paramref name="seconds"/> is a usable duration: finite, at least <see cref="MinSeconds"/> (or 0 or more when 0 is allowed), at most <see cref="MaxSeconds"/>.</summary>
    public static bool IsDuration(double seconds, bool allowZero) =>
        double.IsFinite(seconds) && (allowZero ? seconds >= 0 : seconds >= MinSeconds) && seconds <= MaxSeconds;

    /// <summary>What a duration in <paramref name="unit"/>s (seconds, hours, days...) must be, for a message: "at least 0.001 and at most 316224000 seconds (ten years)".</summary>
    public static string DurationRule(bool allowZero, string unit = "seconds", double secondsPerUnit = 1) =>
        $"{(allowZero ? "0 or more" : $"at least {(MinSeconds / secondsPerUnit).ToString("0.##########", CultureInfo.InvariantCulture)}")} and at most {(MaxSeconds / secondsPerUnit).ToString("0.###", CultureInfo.InvariantCulture)} {unit} (ten years)";

    /// <summary>A number as the configuration wrote it (invariant, round-trip), for a message.</summary>
    public static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
