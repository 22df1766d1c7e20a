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
}
