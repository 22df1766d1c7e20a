using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Metrics;

/// <summary>
/// The pipeline's instruments (System.Diagnostics.Metrics, meter <c>SsdStream.Pipeline</c>): per camera
/// frames in, processed and dropped, frames the recorder dropped, reconnects and state; inference batch size and duration;
/// end-to-end latency from capture to result; the tensors alive on the inference thread; the MQTT outbox's size and drops (once <see cref="ObserveOutbox"/> names it).
/// Also keeps per-camera running totals, read through <see cref="PipelineSnapshot"/> by the live line, the stats topic
/// and the benchmark. The per-camera counts are observed from those totals, so that every camera has every count
/// from its start (a camera that never reconnected shows 0, not nothing), whenever a listener subscribes.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "SsdStream.Pipeline";

    /// <summary>Duration buckets from 5 ms to 10 s (the exporter's default buckets are for milliseconds).</summary>
    private static readonly InstrumentAdvice<double> DurationBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10],
    };

    private readonly Meter _meter;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _inferenceSeconds;
    private readonly Histogram<double> _latencySeconds;
    private readonly ConcurrentDictionary<string, CameraCounters> _cameras = new(StringComparer.Ordinal);
    private long _liveTensors;

    public PipelineMetrics()
    {
        _meter = new Meter(MeterName);
        PerCamera("ssdstream.camera.frames_in", c => c.FramesIn, "{frame}", "Frames captured");
        PerCamera("ssdstream.camera.frames_processed", c => c.FramesProcessed, "{frame}", "Frames run through the detector");
        PerCamera("ssdstream.camera.frames_dropped", c => c.FramesDropped, "{frame}", "Frames dropped before inference because newer ones arrived");
        PerCamera("ssdstream.recording.frames_dropped", c => c.RecordingDropped, "{frame}", "Frames not recorded: the recorder fell behind or the disk failed");
        PerCamera("ssdstream.camera.reconnects", c => c.Reconnects, "{reconnect}", "Reconnect attempts");
        _meter.CreateObservableGauge("ssdstream.camera.state", ObserveStates, "{state}", "Camera state: 0 connecting, 1 streaming, 2 backing off, 3 stopped");
        // Durations in seconds, the base unit Prometheus expects (promtool rejects milliseconds).
        _batchSize = _meter.CreateHistogram("ssdstream.inference.batch_size", "{frame}", "Frames per inference batch",
            tags: null, new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        _inferenceSeconds = _meter.CreateHistogram("ssdstream.inference.duration", "s", "Network and post-processing time per batch", tags: null, DurationBuckets);
        _latencySeconds = _meter.CreateHistogram("ssdstream.pipeline.latency", "s", "Time from capture to result", tags: null, DurationBuckets);
        _meter.CreateObservableGauge("ssdstream.inference.live_tensors", () => Interlocked.Read(ref _liveTensors), "{tensor}",
            "Tensors alive on the inference thread after its last batch (the model's weights and nothing else when nothing leaks)");
    }

    /// <summary>The tensors alive on the inference thread after a batch (TorchSharp's count for that thread).</summary>
    public long LiveTensors => Interlocked.Read(ref _liveTensors);

    public void RecordLiveTensors(long count) => Interlocked.Exchange(ref _liveTensors, count);

    /// <summary>The running totals of a camera (created on first use).</summary>
    public CameraCounters Camera(string cameraId) => _cameras.GetOrAdd(cameraId, id => new CameraCounters(id));

    public IReadOnlyCollection<CameraCounters> Cameras => _cameras.Values.ToArray();

    public void RecordBatch(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _inferenceSeconds.Record(duration.TotalSeconds);
    }

    public void RecordLatency(string camera, TimeSpan latency) =>
        _latencySeconds.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("camera", camera));

    /// <summary>
    /// Observes the MQTT outbox: <c>ssdstream.mqtt.outbox.size</c> (messages waiting for the broker) and
    /// <c>ssdstream.mqtt.outbox.dropped</c> (messages dropped because it was full, since start). Once per outbox.
    /// </summary>
    public void ObserveOutbox(MqttOutbox outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        _meter.CreateObservableGauge("ssdstream.mqtt.outbox.size", () => outbox.Count, "{message}", "Messages waiting in the MQTT outbox for the broker");
        _meter.CreateObservableCounter("ssdstream.mqtt.outbox.dropped", () => outbox.Dropped, "{message}", "Messages dropped because the MQTT outbox was full");
    }

    /// <summary>A counter of every camera's running total <paramref name="total"/>, tagged <c>camera</c>.</summary>
    private void PerCamera(string name, Func<CameraCounters, long> total, string unit, string description) =>
        _meter.CreateObservableCounter(name, () => _cameras.Values.Select(c => new Measurement<long>(total(c), new KeyValuePair<string, object?>("camera", c.CameraId))),
            unit, description);

    private IEnumerable<Measurement<int>> ObserveStates() =>
        _cameras.Values.Select(c => new Measurement<int>((int)c.State, new KeyValuePair<string, object?>("camera", c.CameraId)));

    public void Dispose() => _meter.Dispose();
}

/// <summary>Running totals of one camera; thread-safe.</summary>
public sealed class CameraCounters
{
    private long _framesIn;
    private long _framesProcessed;
    private long _framesDropped;
    private long _reconnects;
    private long _inferenceTicks;
    private long _recordingDropped;
    private volatile CameraStateChange? _state;

    internal CameraCounters(string cameraId) => CameraId = cameraId;

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

    public void AddFrameIn() => Interlocked.Increment(ref _framesIn);

    public void AddProcessed(TimeSpan inferenceShare)
    {
        Interlocked.Increment(ref _framesProcessed);
        Interlocked.Add(ref _inferenceTicks, inferenceShare.Ticks);
    }

    public void AddDropped() => Interlocked.Increment(ref _framesDropped);

    public void AddRecordingDropped() => Interlocked.Increment(ref _recordingDropped);

    public void AddReconnect() => Interlocked.Increment(ref _reconnects);

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
