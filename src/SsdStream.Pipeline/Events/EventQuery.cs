namespace SsdStream.Pipeline.Events;

/// <summary>
/// Which events <see cref="IEventStore.QueryAsync"/> returns: those that match every filter given (null:
/// any), newest first by start time, at most <see cref="Limit"/>.
/// </summary>
public sealed record EventQuery
{
    /// <summary>How many events a query returns when it does not say.</summary>
    public const int DefaultLimit = 100;

    public string? Camera { get; init; }

    public string? Label { get; init; }

    /// <summary>Events written by this daemon instance (<see cref="StoredEvent.Instance"/>).</summary>
    public string? Instance { get; init; }

    /// <summary>Events whose object ever entered this zone (<c>entered_zones</c>).</summary>
    public string? Zone { get; init; }

    /// <summary>Events that started at or after this time.</summary>
    public DateTimeOffset? After { get; init; }

    /// <summary>Events that started before this time.</summary>
    public DateTimeOffset? Before { get; init; }

    /// <summary>True: only events still going on (no end time); false: only ended ones; null: both.</summary>
    public bool? InProgress { get; init; }

    /// <summary>The most events returned (at least 1).</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>
    /// A time as users give one (CLI and HTTP): Unix seconds, or ISO 8601 (UTC when it names no offset);
    /// null when it is neither, or out of range.
    /// </summary>
    public static DateTimeOffset? ParseTime(string text)
    {
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds))
        {
            return double.IsFinite(seconds) && Math.Abs(seconds) <= MaxUnixSeconds ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)) : null;
        }
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }

    /// <summary>The last second <see cref="DateTimeOffset"/> holds (9999-12-31T23:59:59Z).</summary>
    private const double MaxUnixSeconds = 253402300799;
}
