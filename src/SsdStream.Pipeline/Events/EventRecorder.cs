using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// Writes events to the store on its own task, in batches: up to <c>maxBatch</c> events, or what came
/// within <c>maxDelay</c> of a batch's first event, in one transaction each, so that a burst of events
/// costs one commit and inference never waits for the disk (see <see cref="EventQueue"/>). A batch the
/// store refuses (disk full, file gone) is logged and counted in <see cref="FailedEvents"/>; the next one
/// is tried as usual.
/// </summary>
public sealed partial class EventRecorder
{
    /// <summary>The most events written in one transaction.</summary>
    public const int DefaultMaxBatch = 200;

    /// <summary>How long a batch waits for more events after its first.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(0.5);

    private readonly IEventStore _store;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxDelay;
    private long _written;
    private long _failed;
    private long _batches;

    public EventRecorder(IEventStore store, ILogger logger, int maxBatch = DefaultMaxBatch, TimeSpan? maxDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _store = store;
        _logger = logger;
        _maxBatch = maxBatch;
        _maxDelay = maxDelay ?? DefaultMaxDelay;
    }

    /// <summary>Events stored so far.</summary>
    public long WrittenEvents => Interlocked.Read(ref _written);

    /// <summary>Transactions committed so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Events lost because the store refused their batch.</summary>
    public long FailedEvents => Interlocked.Read(ref _failed);

    /// <summary>
    /// Reads <paramref name="reader"/> until its writer completes and every event queued before has been
    /// written, then ends. Cancel only to give up at once: what is still queued is then not written (an
    /// <see cref="OperationCanceledException"/> ends the task).
    /// </summary>
    public Task RunAsync(ChannelReader<(ObjectEvent Event, EventMedia Media)> reader, CancellationToken cancellation = default) =>
        RunAsync(reader, dropped: null, cancellation);

    /// <summary>As <see cref="RunAsync(ChannelReader{ValueTuple{ObjectEvent, EventMedia}}, CancellationToken)"/> on the queue's reader, also logging the events the queue had to refuse.</summary>
    public Task RunAsync(EventQueue queue, CancellationToken cancellation = default) => RunAsync(queue.Reader, () => queue.Dropped, cancellation);

    private async Task RunAsync(ChannelReader<(ObjectEvent Event, EventMedia Media)> reader, Func<long>? dropped, CancellationToken cancellation)
    {
        var batch = new List<(ObjectEvent Event, EventMedia Media)>(_maxBatch);
        long droppedLogged = 0;
        while (await reader.WaitToReadAsync(cancellation).ConfigureAwait(false))
        {
            using (var window = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                window.CancelAfter(_maxDelay);
                while (batch.Count < _maxBatch)
                {
                    if (reader.TryRead(out var item))
                    {
                        batch.Add(item);
                        continue;
                    }
                    try
                    {
                        if (!await reader.WaitToReadAsync(window.Token).ConfigureAwait(false)) break; // completed and empty
                    }
                    catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                    {
                        break; // the batch's time is up
                    }
                }
            }
            await WriteAsync(batch, cancellation).ConfigureAwait(false);
            batch.Clear();
            if (dropped?.Invoke() is { } total && total > droppedLogged)
            {
                LogDropped(_logger, total - droppedLogged, total);
                droppedLogged = total;
            }
        }
    }

    private async Task WriteAsync(List<(ObjectEvent Event, EventMedia Media)> batch, CancellationToken cancellation)
    {
        try
        {
            await _store.WriteAsync(batch, cancellation).ConfigureAwait(false);
            Interlocked.Add(ref _written, batch.Count);
            Interlocked.Increment(ref _batches);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            Interlocked.Add(ref _failed, batch.Count);
            LogWriteFailed(_logger, batch.Count, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "events store: {Count} events not stored: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "events store: {Count} events dropped because the store fell behind ({Total} since start)")]
    private static partial void LogDropped(ILogger logger, long count, long total);
}
