namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Messages that must reach the broker, held while it is away. Bounded: when full, the oldest message is
/// dropped and counted. Retained state messages are kept apart, one per topic (the newest wins), and go
/// out first after a reconnect. Whatever is queued wakes the sender waiting in <see cref="WaitAsync"/>.
/// </summary>
public sealed class MqttOutbox(int capacity) : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly LinkedList<OutgoingMessage> _queue = new();
    private readonly Dictionary<string, OutgoingMessage> _retained = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _dropped;

    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "outbox size must be at least 1");

    /// <summary>Messages dropped because the outbox was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_lock) return _queue.Count;
        }
    }

    /// <summary>Queues a message; returns false when the oldest had to be dropped for it.</summary>
    public bool Enqueue(OutgoingMessage message)
    {
        lock (_lock)
        {
            bool dropped = false;
            if (_queue.Count >= Capacity)
            {
                _queue.RemoveFirst();
                Interlocked.Increment(ref _dropped);
                dropped = true;
            }
            _queue.AddLast(message);
            Wake();
            return !dropped;
        }
    }

    /// <summary>Sets the retained state of a topic; it is (re)sent at the next chance and after every reconnect.</summary>
    public void SetRetained(OutgoingMessage message)
    {
        lock (_lock)
        {
            if (_retained.TryGetValue(message.Topic, out var old) && old.Payload.AsSpan().SequenceEqual(message.Payload)) return;
            _retained[message.Topic] = message;
            _dirty.Add(message.Topic);
            Wake();
        }
    }

    /// <summary>Marks every retained topic to be sent again (after a reconnect: the broker may have lost them).</summary>
    public void ResendRetained()
    {
        lock (_lock)
        {
            foreach (var t in _retained.Keys) _dirty.Add(t);
        }
    }

    /// <summary>
    /// Takes the next message to send: a changed retained state first (it stays known, to be re-sent after a
    /// reconnect), then the oldest queued message, which leaves the queue so that an overflow can never
    /// count a message that is already on its way. Give it back with <see cref="Failed"/> if sending fails.
    /// </summary>
    public OutgoingMessage? Take()
    {
        lock (_lock)
        {
            foreach (var t in _dirty)
            {
                _dirty.Remove(t);
                return _retained[t];
            }
            if (_queue.First is not { } first) return null;
            _queue.RemoveFirst();
            return first.Value;
        }
    }

    /// <summary>Returns a message from <see cref="Take"/> that could not be sent; it goes out first next time.</summary>
    public void Failed(OutgoingMessage message)
    {
        lock (_lock)
        {
            if (message.Retain)
            {
                // Only if no newer state replaced it meanwhile.
                if (_retained.TryGetValue(message.Topic, out var current) && ReferenceEquals(current, message)) _dirty.Add(message.Topic);
                return;
            }
            // It is older than everything queued: if the queue filled up meanwhile, it is the oldest that goes.
            if (_queue.Count >= Capacity)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }
            _queue.AddFirst(message);
        }
    }

    /// <summary>
    /// Waits until something was queued since the last wait, or <paramref name="timeout"/> passes (the
    /// sender then looks anyway: a message may have gone back to the queue after a failed send).
    /// </summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellation) => _wake.WaitAsync(timeout, cancellation);

    // At most one pending wake-up is enough: the sender takes everything queued once it runs. (A race may
    // leave two, which costs one spurious round.)
    private void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    public void Dispose() => _wake.Dispose();
}
