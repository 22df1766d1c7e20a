using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Ssd.Model.Devices;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Processing;

/// <summary>Batching limits of the inference worker (<c>SsdStream:Inference</c>).</summary>
public sealed record BatchingOptions
{
    /// <summary>Most frames per batch (across cameras, fair to each).</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>Milliseconds to wait for more frames once one is there, to fill a batch.</summary>
    public double MaxWaitMs { get; init; }

    public TimeSpan MaxWait => TimeSpan.FromMilliseconds(MaxWaitMs);
}

/// <summary>
/// The one long-lived thread that owns the model: runs the detector on the batches a
/// <see cref="BatchPreparer"/> took from <see cref="FrameQueues"/> and preprocessed on its own thread (each
/// batch in its own dispose scope inside the detector; no await happens while a scope is open), filters the
/// detections per camera and writes one <see cref="FrameResult"/> per frame. Completes its writer when it stops.
/// </summary>
public sealed partial class InferenceWorker
{
    private readonly FrameQueues _input;
    private readonly ChannelWriter<FrameResult> _output;
    private readonly Func<IBatchDetector> _detectorFactory;
    private readonly BatchingOptions _options;
    private readonly int _torchThreads;
    private readonly Func<string, DetectionFilter> _filters;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InferencePace _pace = new();
    private readonly BatchPreparer _preparer;

    /// <param name="torchThreads">torch's intra-op threads (0: libtorch's default).</param>
    public InferenceWorker(FrameQueues input, ChannelWriter<FrameResult> output, Func<IBatchDetector> detectorFactory,
        BatchingOptions options, int torchThreads, Func<string, DetectionFilter> filters, PipelineMetrics metrics, ILogger logger)
    {
        if (options.MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxBatch, "batch size must be at least 1");
        _input = input;
        _output = output;
        _detectorFactory = detectorFactory;
        _options = options;
        _torchThreads = torchThreads;
        _filters = filters;
        _metrics = metrics;
        _logger = logger;
        _preparer = new BatchPreparer(input, options, _pace);
    }

    /// <summary>Completes when the worker has stopped (faulted if the detector failed).</summary>
    public Task Completion => _completion.Task;

    /// <summary>Completes once the model is loaded and the worker waits for frames (faulted if loading failed).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Time of the last finished batch; the watchdog reads it as a sign of progress.</summary>
    public DateTimeOffset LastBatchTime { get; private set; } = DateTimeOffset.UtcNow;

    public void Start(CancellationToken cancellation)
    {
        var thread = new Thread(() => Run(cancellation)) { Name = "ssdstream-inference", IsBackground = true };
        thread.Start();
    }

    private void Run(CancellationToken cancellation)
    {
        IBatchDetector? detector = null;
        // The preparer stops with the worker, whichever way the worker ends.
        using var preparing = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        try
        {
            TorchRuntime.Initialise(_torchThreads);
            detector = _detectorFactory();
            _preparer.Start(detector.Preprocessor, preparing.Token);
            _ready.TrySetResult();
            var batches = _preparer.Output;
            while (true)
            {
                if (!batches.TryRead(out var batch))
                {
                    if (!batches.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult()) break;
                    continue;
                }
                var results = RunBatch(detector, batch);
                _preparer.Return(batch);
                // Every batch's tensors were disposed with its scope: what is alive now is the model, unless something leaks.
                _metrics.RecordLiveTensors(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                foreach (var r in results)
                {
                    while (!_output.TryWrite(r))
                    {
                        if (!_output.WaitToWriteAsync(cancellation).AsTask().GetAwaiter().GetResult()) return;
                    }
                }
                LastBatchTime = DateTimeOffset.UtcNow;
            }
            // The preparer's error, if it stopped on one, ends the worker with it.
            _preparer.Output.Completion.GetAwaiter().GetResult();
            _completion.TrySetResult();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            _completion.TrySetResult();
        }
        catch (Exception e)
        {
            LogFailed(_logger, e);
            _ready.TrySetException(e);
            _completion.TrySetException(e);
        }
        finally
        {
            preparing.Cancel();
            _ready.TrySetResult();
            _input.Drain();
            detector?.Dispose();
            _output.TryComplete();
        }
    }

    private List<FrameResult> RunBatch(IBatchDetector detector, PreparedBatch batch)
    {
        var clock = Stopwatch.StartNew();
        _pace.Started(batch.Count);
        Ssd.Model.PostProcessing.Detection[][] detections;
        try
        {
            detections = detector.Detect(batch.Input, batch.Count);
        }
        finally
        {
            _pace.Finished(clock.Elapsed);
        }
        var elapsed = clock.Elapsed;
        var now = DateTimeOffset.UtcNow;
        _metrics.RecordBatch(batch.Count, elapsed);
        var share = elapsed / batch.Count;
        var results = new List<FrameResult>(batch.Count);
        for (int k = 0; k < batch.Count; k++)
        {
            var (camera, sequence, time, w, h) = batch.Frames[k];
            var pixels = PixelDetection.FromNormalised(detections[k], w, h, detector.Label);
            var filter = _filters(camera);
            var kept = filter.Apply(pixels);
            var candidates = Array.FindAll(pixels, filter.AcceptsApartFromScore);
            var result = new FrameResult(camera, sequence, time, w, h, kept, now, elapsed, batch.Count, detector.ModelName, candidates);
            _metrics.Camera(camera).AddProcessed(share);
            _metrics.RecordLatency(camera, result.Latency);
            results.Add(result);
        }
        return results;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "inference stopped")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
