using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Events;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>The events store while the daemon runs (null when <c>Events:Enabled</c> is off or before the start).</summary>
public sealed class EventStoreAccess
{
    public IEventStore? Store { get; internal set; }
}

/// <summary>
/// The events store: opens it (closing the events a crash left open at their last seen time), writes every
/// event the event media hand on in batches on its own task (<see cref="EventRecorder"/>: inference never
/// waits for the disk), and applies the events' retention with the recordings': an event that ended
/// longer than <c>Recording:MaxAgeHours</c> ago goes with its snapshot and own clip unless it is marked
/// retain; snapshots go after <c>Snapshots:MaxAgeDays</c>. Started before the event media, so it stops
/// after them, once their last events are written.
/// </summary>
public sealed partial class EventStorePart(SsdStreamOptions options, DetectionPipeline pipeline, EventMediaHub hub, EventStoreAccess access,
    StopBudget budget, ILoggerFactory loggers, ILogger<EventStorePart> logger) : DaemonPart(budget, logger)
{
    private readonly EventQueue _queue = new();
    private readonly CancellationTokenSource _abort = new();
    private SqlEventStore? _store;
    private Task _recorder = Task.CompletedTask;
    private Task _retention = Task.CompletedTask;

    public override string Name => "events store";

    protected override async Task StartPartAsync(CancellationToken cancellationToken)
    {
        _store = options.Events.Open(options.Instance.Name);
        // Only this daemon's cameras: in a history shared with other daemons, their open events are going on.
        int closed = await _store.CloseOpenEventsAsync(pipeline.Cameras.Select(c => c.CameraId).ToList(), cancellationToken).ConfigureAwait(false);
        if (closed > 0) LogClosed(logger, closed);
        access.Store = _store;
        hub.Stored += e => _queue.TryAdd(e.Event, e.Media);
        var recorder = new EventRecorder(_store, loggers.CreateLogger<EventRecorder>());
        _recorder = Task.Run(() => recorder.RunAsync(_queue, _abort.Token), CancellationToken.None);
        _retention = Task.Run(() => RetainAsync(new EventRetention(_store, loggers.CreateLogger<EventRetention>()), _abort.Token), CancellationToken.None);
        LogOpened(logger, _store.Description, options.Instance.Name);
    }

    private async Task RetainAsync(EventRetention retention, CancellationToken cancellation)
    {
        var period = TimeSpan.FromSeconds(options.Recording.RetentionCheckSeconds);
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var camera in pipeline.Cameras.Select(c => c.CameraId))
                {
                    if (options.Recording.MaxAgeHours > 0)
                        await retention.RemoveExpiredAsync(camera, now - TimeSpan.FromHours(options.Recording.MaxAgeHours), cancellation).ConfigureAwait(false);
                    if (options.Snapshots.MaxAgeDays > 0)
                        await retention.RemoveOldSnapshotsAsync(camera, now - TimeSpan.FromDays(options.Snapshots.MaxAgeDays), cancellation).ConfigureAwait(false);
                }
                await Task.Delay(period, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One failed pass must not end retention: log, try again later.
                LogRetentionFailed(logger, e.Message);
                try
                {
                    await Task.Delay(period, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        // The event media stopped before this part: nothing more comes. Write what is queued while the budget lasts.
        _queue.Complete();
        using var cut = Budget.Expired.Register(() => _abort.Cancel());
        try
        {
            await _recorder.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // The budget ran out: what is still queued is given up (the recorder logged how much).
        }
        finally
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await _retention.ConfigureAwait(false);
            access.Store = null;
            _store?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "events store: {Store}, events written as instance {Instance}")]
    private static partial void LogOpened(ILogger logger, string store, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "events store: {Count} event(s) left open when the daemon last stopped without ending them were closed at their last seen time")]
    private static partial void LogClosed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "events retention pass failed: {Reason}; the next pass tries again")]
    private static partial void LogRetentionFailed(ILogger logger, string reason);
}
