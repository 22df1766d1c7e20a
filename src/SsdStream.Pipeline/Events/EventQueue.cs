using System.Threading.Channels;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// The hand-over from whoever publishes events (on the inference path) to <see cref="EventRecorder"/>
/// (on its own task): <see cref="TryAdd"/> never waits. The channel is bounded with
/// <see cref="BoundedChannelFullMode.Wait"/> but written only with <c>TryWrite</c>, so when it is full
/// (the disk has stalled for thousands of events) the event being added is refused and counted in
/// <see cref="Dropped"/>, and nothing already queued is lost. <c>DropOldest</c> would silently discard
/// the oldest queued event, an <c>end</c> as likely as any, leaving its event open in the store;
/// <c>DropWrite</c> would discard the new one without telling. An event dropped here is missing from the
/// store, or stays as its previous event left it (an open event is ended at the next start by
/// <see cref="IEventStore.CloseOpenEventsAsync"/>).
/// </summary>
public sealed class EventQueue
{
    /// <summary>Events that may wait for the store (minutes of a busy site's events).</summary>
    public const int DefaultCapacity = 10_000;

    private readonly Channel<(ObjectEvent Event, EventMedia Media)> _channel;
    private long _dropped;

    public EventQueue(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _channel = Channel.CreateBounded<(ObjectEvent Event, EventMedia Media)>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = false });
    }

    /// <summary>What <see cref="EventRecorder.RunAsync(EventQueue, CancellationToken)"/> reads.</summary>
    public ChannelReader<(ObjectEvent Event, EventMedia Media)> Reader => _channel.Reader;

    /// <summary>Events refused because the queue was full, or added after <see cref="Complete"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues an event for the store without waiting; false (and counted) when it is full.</summary>
    public bool TryAdd(ObjectEvent e, EventMedia media)
    {
        if (_channel.Writer.TryWrite((e, media))) return true;
        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>No more events: the recorder writes what is queued and ends.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
