using System.Threading.Channels;

namespace SsdStream.Pipeline.Frames;

/// <summary>
/// A bounded channel for real-time items: when full, writing drops the oldest item, disposes it and
/// counts the drop, so a slow reader always gets the newest items and the queue never grows.
/// </summary>
public static class DropOldestChannel
{
    /// <summary>A channel of <paramref name="capacity"/> that calls <paramref name="onDrop"/> (after disposing the item) for every item it drops.</summary>
    public static Channel<T> Create<T>(int capacity, Action<T>? onDrop = null, bool singleReader = true, bool singleWriter = true) where T : IDisposable
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be at least 1");
        return Channel.CreateBounded<T>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = singleReader,
                SingleWriter = singleWriter,
                AllowSynchronousContinuations = false,
            },
            dropped =>
            {
                dropped.Dispose();
                onDrop?.Invoke(dropped);
            });
    }
}
