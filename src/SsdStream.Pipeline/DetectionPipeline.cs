using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Sources;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline;

/// <summary>One camera of the pipeline: how to open it and what to keep of its detections.</summary>
/// <param name="Id">Camera name, used in topics, metrics and paths.</param>
/// <param name="SourceFactory">Opens a new connection (called again on every reconnect).</param>
/// <param name="QueueCapacity">
/// Frames kept waiting for inference. <see cref="FrameDelivery.Newest"/>: older ones are dropped and counted.
/// <see cref="FrameDelivery.Every"/>: the source waits; the queue then holds at least a full batch, so a
/// single file can fill every batch.
/// </param>
/// <param name="Delivery">Whether frames may be dropped (live sources) or all are processed (files at full speed).</param>
/// <param name="Tracking">The tracker's thresholds, zones and masks (null: the defaults, no zones, no masks).</param>
public sealed record CameraDefinition(
    string Id,
    Func<IFrameSource> SourceFactory,
    DetectionFilter Filter,
    ReconnectPolicy Reconnect,
    TimeSpan StallTimeout,
    int QueueCapacity = CameraDefinition.DefaultQueueCapacity,
    FrameDelivery Delivery = FrameDelivery.Newest,
    CameraTracking? Tracking = null)
{
    /// <summary>
    /// Frames a live camera keeps waiting for inference unless configured otherwise: only the newest, so that a
    /// live frame is never served after a newer one of its camera could have been, and waits at most for the
    /// batch in progress, then its own (a larger queue trades that for fewer drops).
    /// </summary>
    public const int DefaultQueueCapacity = 1;
}

/// <summary>
/// The real-time detection pipeline: one <see cref="ResilientCamera"/> per camera writing into
/// <see cref="FrameQueues"/>; one <see cref="InferenceWorker"/> owning the model; the
/// <see cref="TrackingStage"/> turning detections into tracked objects and events; a
/// <see cref="ResultBroadcaster"/> handing results to subscribers (publisher, recorder, tests). Frames
/// themselves can be tapped per camera for recording. Stopping closes the cameras first, lets the worker
/// finish the frames already queued, then completes every subscriber.
/// </summary>
public sealed class DetectionPipeline : IAsyncDisposable
{
    private readonly IReadOnlyList<CameraDefinition> _cameras;
    private readonly FrameQueues _queues = new();
    private readonly Dictionary<string, FrameFanOut> _fanOuts = new(StringComparer.Ordinal);
    private readonly Channel<FrameResult> _results = Channel.CreateBounded<FrameResult>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
    private readonly Channel<FrameResult> _tracked = Channel.CreateBounded<FrameResult>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
    private readonly TrackingStage _tracking;
    private Task _trackingTask = Task.CompletedTask;
    private readonly ResultBroadcaster _broadcaster = new();
    private readonly InferenceWorker _worker;
    private readonly List<ResilientCamera> _resilientCameras = [];
    private readonly CancellationTokenSource _cameraStop = new();
    private readonly CancellationTokenSource _hardStop = new();
    private Task _camerasTask = Task.CompletedTask;
    private Task _broadcastTask = Task.CompletedTask;
    private bool _started;

    /// <param name="torchThreads">torch's CPU threads for the inference thread (0: libtorch's default).</param>
    public DetectionPipeline(IReadOnlyList<CameraDefinition> cameras, Func<IBatchDetector> detectorFactory, BatchingOptions batching, int torchThreads, PipelineMetrics metrics, ILoggerFactory loggers)
    {
        if (cameras.Count == 0) throw new ArgumentException("the pipeline needs at least one camera", nameof(cameras));
        var duplicate = cameras.GroupBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new ArgumentException($"camera id '{duplicate.Key}' is used twice", nameof(cameras));
        _cameras = cameras;
        Metrics = metrics;
        var filters = cameras.ToDictionary(c => c.Id, c => c.Filter, StringComparer.Ordinal);
        _worker = new InferenceWorker(_queues, _results.Writer, detectorFactory, batching, torchThreads,
            id => filters.TryGetValue(id, out var f) ? f : DetectionFilter.Default, metrics, loggers.CreateLogger<InferenceWorker>());
        _tracking = new TrackingStage(cameras.ToDictionary(c => c.Id, c => (c.Tracking ?? CameraTracking.Default, c.Filter), StringComparer.Ordinal),
            loggers.CreateLogger<TrackingStage>());
        foreach (var c in cameras)
        {
            var counters = metrics.Camera(c.Id);
            int capacity = c.Delivery == FrameDelivery.Every ? Math.Max(c.QueueCapacity, batching.MaxBatch) : c.QueueCapacity;
            _fanOuts[c.Id] = new FrameFanOut(_queues.AddCamera(c.Id, capacity, counters, c.Delivery));
            _resilientCameras.Add(new ResilientCamera(c.Id, c.SourceFactory, c.Reconnect, c.StallTimeout, counters, loggers.CreateLogger<ResilientCamera>()));
        }
    }

    public PipelineMetrics Metrics { get; }

    public IReadOnlyList<ResilientCamera> Cameras => _resilientCameras;

    /// <summary>The inference worker (its <see cref="InferenceWorker.LastBatchTime"/> shows progress).</summary>
    public InferenceWorker Worker => _worker;

    /// <summary>Completes when every stage has finished (faulted if inference failed).</summary>
    public Task Completion => Task.WhenAll(_camerasTask, _worker.Completion, _trackingTask, _broadcastTask);

    /// <summary>
    /// Subscribes to results (of every camera, or of <paramref name="cameraId"/> only; with
    /// <paramref name="closing"/>, also the closing results that end a camera's objects without a frame);
    /// call before <see cref="StartAsync"/> to see every one.
    /// </summary>
    public ResultBroadcaster.Subscription SubscribeResults(string name, int capacity = 1024, string? cameraId = null, bool closing = false) =>
        _broadcaster.Subscribe(name, capacity, cameraId, closing);

    /// <summary>
    /// A tap on a camera's frames (shared handles the reader must dispose), bounded to
    /// <paramref name="capacity"/> frames; when the reader falls behind, the oldest are dropped, disposed and
    /// reported to <paramref name="onDrop"/>. Call before <see cref="StartAsync"/>.
    /// </summary>
    public ChannelReader<Frame> TapFrames(string cameraId, int capacity, Action? onDrop = null)
    {
        if (_started) throw new InvalidOperationException("frame taps must be added before the pipeline starts");
        if (!_fanOuts.TryGetValue(cameraId, out var fanOut)) throw new ArgumentException($"no camera '{cameraId}'", nameof(cameraId));
        var channel = DropOldestChannel.Create<Frame>(capacity, _ => onDrop?.Invoke());
        fanOut.AddTap(channel.Writer);
        return channel.Reader;
    }

    /// <summary>Loads the model on the worker thread, then opens the cameras. Throws if the model cannot be loaded.</summary>
    public async Task StartAsync(CancellationToken cancellation = default)
    {
        if (_started) throw new InvalidOperationException("already started");
        _started = true;
        _worker.Start(_hardStop.Token);
        _trackingTask = Task.Run(() => _tracking.RunAsync(_results.Reader, _tracked.Writer, _hardStop.Token), CancellationToken.None);
        _broadcastTask = Task.Run(() => _broadcaster.RunAsync(_tracked.Reader, _hardStop.Token), CancellationToken.None);
        await _worker.Ready.WaitAsync(cancellation).ConfigureAwait(false);
        _camerasTask = Task.WhenAll(_resilientCameras.Select(c =>
            Task.Run(() => c.RunAsync(_fanOuts[c.CameraId], _cameraStop.Token), CancellationToken.None)));
    }

    /// <summary>
    /// Closes the cameras, lets inference finish the queued frames and completes the subscribers; once
    /// <paramref name="cutOff"/> is cancelled, inference stops after the batch in hand and what is still
    /// queued is dropped. Returns when the subscribers are complete (a source stuck in a native read is
    /// left behind: it is disposed when its read returns).
    /// </summary>
    public async Task StopAsync(CancellationToken cutOff)
    {
        await _cameraStop.CancelAsync().ConfigureAwait(false);
        var all = Completion;
        try
        {
            await all.WaitAsync(cutOff).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (cutOff.IsCancellationRequested)
        {
            await _hardStop.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A stage failed; whoever watches Completion reports it. The stop goes on.
            return;
        }
        try
        {
            // The batch in hand finishes (well under a second); the broadcaster then completes every subscriber.
            await Task.WhenAll(_worker.Completion, _trackingTask, _broadcastTask).WaitAsync(HardStopWait).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A batch that does not finish (or a stage that failed): the process is ending anyway.
        }
    }

    /// <summary><see cref="StopAsync(CancellationToken)"/> with a cut-off <paramref name="timeout"/> from now.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        using var cutOff = new CancellationTokenSource(timeout);
        await StopAsync(cutOff.Token).ConfigureAwait(false);
    }

    /// <summary>How long a hard stop waits for the batch in hand.</summary>
    private static readonly TimeSpan HardStopWait = TimeSpan.FromSeconds(1);

    /// <summary>Whether every camera has stopped for good (files that ended, or the pipeline being stopped).</summary>
    public bool AllCamerasEnded => _resilientCameras.All(c => c.State == CameraState.Stopped);

    /// <summary>Whether <see cref="StartAsync"/> has run.</summary>
    public bool IsStarted => _started;

    public async ValueTask DisposeAsync()
    {
        if (_started && !Completion.IsCompleted) await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _cameraStop.Dispose();
        _hardStop.Dispose();
    }
}
