using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Metrics;

/// <summary>
/// The pipeline's instruments (System.Diagnostics.Metrics, meter <c>SsdStream.Pipeline</c>): per camera
/// frames in, processed and dropped, frames the recorder dropped, reconnects and state; inference batch size and duration;
/// end-to-end latency from capture to result. Also keeps per-camera running totals, read through
/// <see cref="PipelineSnapshot"/> by the live line, the stats topic and the benchmark.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "SsdStream.Pipeline";

    private readonly Meter _meter;
    private readonly Counter<long> _framesIn;
    private readonly Counter<long> _framesProcessed;
    private readonly Counter<long> _framesDropped;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _recordingDropped;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _inferenceMs;
    private readonly Histogram<double> _latencyMs;
    private readonly ConcurrentDictionary<string, CameraCounters> _cameras = new(StringComparer.Ordinal);

    public PipelineMetrics()
    {
        _meter = new Meter(MeterName);
        _framesIn = _meter.CreateCounter<long>("ssdstream.camera.frames_in", "{frame}", "Frames captured");
        _framesProcessed = _meter.CreateCounter<long>("ssdstream.camera.frames_processed", "{frame}", "Frames run through the detector");
        _framesDropped = _meter.CreateCounter<long>("ssdstream.camera.frames_dropped", "{frame}", "Frames dropped before inference because newer ones arrived");
        _recordingDropped = _meter.CreateCounter<long>("ssdstream.recording.frames_dropped", "{frame}", "Frames not recorded: the recorder fell behind or the disk failed");
        _reconnects = _meter.CreateCounter<long>("ssdstream.camera.reconnects", "{reconnect}", "Reconnect attempts");
        _meter.CreateObservableGauge("ssdstream.camera.state", ObserveStates, "{state}", "Camera state: 0 connecting, 1 streaming, 2 backing off, 3 stopped");
        _batchSize = _meter.CreateHistogram<int>("ssdstream.inference.batch_size", "{frame}", "Frames per inference batch");
        _inferenceMs = _meter.CreateHistogram<double>("ssdstream.inference.duration", "ms", "Network and post-processing time per batch");
        _latencyMs = _meter.CreateHistogram<double>("ssdstream.pipeline.latency", "ms", "Time from capture to result");
    }

    /// <summary>The running totals of a camera (created on first use).</summary>
    public CameraCounters Camera(string cameraId) => _cameras.GetOrAdd(cameraId, id => new CameraCounters(id, this));

    public IReadOnlyCollection<CameraCounters> Cameras => _cameras.Values.ToArray();

    internal void FrameIn(string camera) => _framesIn.Add(1, new KeyValuePair<string, object?>("camera", camera));

    internal void FrameProcessed(string camera) => _framesProcessed.Add(1, new KeyValuePair<string, object?>("camera", camera));

    internal void FrameDropped(string camera) => _framesDropped.Add(1, new KeyValuePair<string, object?>("camera", camera));

    internal void Reconnect(string camera) => _reconnects.Add(1, new KeyValuePair<string, object?>("camera", camera));

    internal void RecordingDropped(string camera) => _recordingDropped.Add(1, new KeyValuePair<string, object?>("camera", camera));

    public void RecordBatch(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _inferenceMs.Record(duration.TotalMilliseconds);
    }

    public void RecordLatency(string camera, TimeSpan latency) =>
        _latencyMs.Record(latency.TotalMilliseconds, new KeyValuePair<string, object?>("camera", camera));

    private IEnumerable<Measurement<int>> ObserveStates() =>
        _cameras.Values.Select(c => new Measurement<int>((int)c.State, new KeyValuePair<string, object?>("camera", c.CameraId)));

    public void Dispose() => _meter.Dispose();
}

/// <summary>Running totals of one camera; thread-safe.</summary>
public sealed class CameraCounters
{
    private readonly PipelineMetrics _metrics;
    private long _framesIn;
    private long _framesProcessed;
    private long _framesDropped;
    private long _reconnects;
    private long _inferenceTicks;
    private long _recordingDropped;
    private volatile CameraStateChange? _state;

    internal CameraCounters(string cameraId, PipelineMetrics metrics)
    {
        CameraId = cameraId;
        _metrics = metrics;
    }

    public string CameraId { get; }

    public long FramesIn => Interlocked.Read(ref _framesIn);

    public long FramesProcessed => Interlocked.Read(ref _framesProcessed);

    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Total inference time attributed to this camera's frames (batch time shared by the batch's frames).</summary>
    public TimeSpan InferenceTime => TimeSpan.FromTicks(Interlocked.Read(ref _inferenceTicks));

    /// <summary>Frames the recorder did not record (it fell behind, or the disk failed).</summary>
    public long RecordingDropped => Interlocked.Read(ref _recordingDropped);

    public CameraState State => _state?.State ?? CameraState.Connecting;

    public void AddFrameIn()
    {
        Interlocked.Increment(ref _framesIn);
        _metrics.FrameIn(CameraId);
    }

    public void AddProcessed(TimeSpan inferenceShare)
    {
        Interlocked.Increment(ref _framesProcessed);
        Interlocked.Add(ref _inferenceTicks, inferenceShare.Ticks);
        _metrics.FrameProcessed(CameraId);
    }

    public void AddDropped()
    {
        Interlocked.Increment(ref _framesDropped);
        _metrics.FrameDropped(CameraId);
    }

    public void AddRecordingDropped()
    {
        Interlocked.Increment(ref _recordingDropped);
        _metrics.RecordingDropped(CameraId);
    }

    public void AddReconnect()
    {
        Interlocked.Increment(ref _reconnects);
        _metrics.Reconnect(CameraId);
    }

    public void SetState(CameraStateChange change)
    {
        _state = change;
        if (change.State is CameraState.Streaming or CameraState.Stopped) _awaySince = null;
        else _awaySince ??= change.Time;
    }

    private DateTimeOffset? _awaySince;

    /// <summary>Since when the camera has been trying to (re)connect without streaming, through every retry; null while it streams or has stopped.</summary>
    public DateTimeOffset? AwaySince => _awaySince;

    /// <summary>The camera's latest state change (null before the first).</summary>
    public CameraStateChange? LastChange => _state;
}
