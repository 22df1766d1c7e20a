using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// Where events are kept across restarts, one record per object id (<see cref="SqliteEventStore"/> on the
/// daemon's disk; <see cref="PostgresEventStore"/> for a site whose daemons share one history). Methods may
/// be called from several threads at once.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Stores a batch in order, all or nothing: an event's object (its <see cref="ObjectEvent.After"/>)
    /// replaces what is stored under its id, or is added. Media paths only add up: a null path, or no
    /// segments, leaves what is stored (the snapshot of an update stays when a later event names none).
    /// The retain mark is the user's and is never changed here.
    /// </summary>
    Task WriteAsync(IReadOnlyList<(ObjectEvent Event, EventMedia Media)> batch, CancellationToken cancellation = default);

    /// <summary>The events that match <paramref name="query"/>, newest first by start time.</summary>
    Task<IReadOnlyList<StoredEvent>> QueryAsync(EventQuery query, CancellationToken cancellation = default);

    /// <summary>The event with this id, or null.</summary>
    Task<StoredEvent?> GetAsync(string id, CancellationToken cancellation = default);

    /// <summary>Marks (or unmarks) an event to be kept past retention; false when there is no such event.</summary>
    Task<bool> SetRetainAsync(string id, bool retain, CancellationToken cancellation = default);

    /// <summary>
    /// Ends every event of these cameras left without an end time (a crash or a kill stopped the daemon
    /// before it could end them) at the last time its object was seen (its <c>frame_time</c>); returns how
    /// many. For the start of the daemon that runs these cameras, before it writes events of its own; the
    /// events of other daemons' cameras in a shared history are theirs, and may well be going on.
    /// </summary>
    Task<int> CloseOpenEventsAsync(IReadOnlyCollection<string> cameras, CancellationToken cancellation = default);

    /// <summary>
    /// The camera's ended events that ended before <paramref name="endedBefore"/>, except those marked to be
    /// retained, oldest first: what retention deletes (see <see cref="EventRetention"/>).
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> ExpiredAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default);

    /// <summary>
    /// Deletes these events (ids not stored are ignored) and returns the media files no longer referred to:
    /// their snapshots, and their clips that no other stored event shares. Segments are not returned: the
    /// recording's own retention deletes them.
    /// </summary>
    Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyCollection<string> ids, CancellationToken cancellation = default);

    /// <summary>
    /// The camera's ended events that still have a snapshot and ended before <paramref name="endedBefore"/>,
    /// except those marked to be retained, oldest first: what the snapshot age limit removes.
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> SnapshotsOlderThanAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default);

    /// <summary>
    /// Every media file of the events marked to be retained (snapshots, clips, the segments that cover
    /// them): what the recording's own retention must leave in place.
    /// </summary>
    Task<IReadOnlySet<string>> RetainedFilesAsync(CancellationToken cancellation = default);

    /// <summary>Forgets the snapshots of these events (their files are the caller's to delete): <c>has_snapshot</c> turns false.</summary>
    Task ForgetSnapshotsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellation = default);
}
