using System.Threading.Channels;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// Hands every result to each subscriber's own bounded queue. A subscriber that falls behind loses its
/// oldest results (counted in <see cref="Subscription.Dropped"/>) and never slows the others or detection.
/// </summary>
public sealed class ResultBroadcaster
{
    private readonly List<Subscription> _subscriptions = [];
    private readonly Lock _lock = new();

    /// <summary>
    /// A new subscription holding up to <paramref name="capacity"/> undelivered results, of every camera or
    /// only of <paramref name="cameraId"/> (so that a busy camera cannot push another's results out). Only
    /// a subscription with <paramref name="closing"/> gets the closing results that carry the end of a
    /// camera's objects without a frame (<see cref="FrameTracking.Closing"/>); the others get one result
    /// per processed frame.
    /// </summary>
    public Subscription Subscribe(string name, int capacity = 1024, string? cameraId = null, bool closing = false)
    {
        var subscription = new Subscription(name, capacity, cameraId, closing);
        lock (_lock) _subscriptions.Add(subscription);
        return subscription;
    }

    /// <summary>Copies results from <paramref name="input"/> to every subscriber until it completes; then completes them.</summary>
    public async Task RunAsync(ChannelReader<FrameResult> input, CancellationToken cancellation)
    {
        try
        {
            await foreach (var result in input.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                Subscription[] targets;
                lock (_lock) targets = [.. _subscriptions];
                foreach (var s in targets)
                {
                    if ((s.CameraId is null || s.CameraId == result.CameraId) && (s.Closing || result.Tracking?.Closing != true)) s.Writer.TryWrite(result);
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            Subscription[] targets;
            lock (_lock) targets = [.. _subscriptions];
            foreach (var s in targets) s.Writer.TryComplete();
        }
    }

    public sealed class Subscription
    {
        private readonly Channel<FrameResult> _channel;
        private long _dropped;

        internal Subscription(string name, int capacity, string? cameraId, bool closing)
        {
            Name = name;
            CameraId = cameraId;
            Closing = closing;
            _channel = Channel.CreateBounded<FrameResult>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                _ => Interlocked.Increment(ref _dropped));
        }

        public string Name { get; }

        /// <summary>The one camera whose results this subscription gets; null for all.</summary>
        public string? CameraId { get; }

        /// <summary>Whether it gets closing results (objects ended without a frame).</summary>
        public bool Closing { get; }

        public ChannelReader<FrameResult> Reader => _channel.Reader;

        internal ChannelWriter<FrameResult> Writer => _channel.Writer;

        public long Dropped => Interlocked.Read(ref _dropped);
    }
}
