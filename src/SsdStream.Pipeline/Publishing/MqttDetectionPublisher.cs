using System.Text.Json.Nodes;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Turns pipeline results and camera states into MQTT messages in the outbox: detections of every frame
/// that has any (and empty frames when configured), retained per-label counts when they change, retained
/// camera status, periodic stats, and Home Assistant discovery configs for every camera and label.
/// </summary>
public sealed class MqttDetectionPublisher
{
    private readonly MqttSettings _settings;
    private readonly MqttTopics _topics;
    private readonly MqttOutbox _outbox;
    private readonly MqttConnection _connection;
    private readonly IReadOnlyList<string> _labels;
    private readonly Dictionary<string, Dictionary<string, int>> _counts = new(StringComparer.Ordinal);

    /// <param name="labels">Every label the model can report (for discovery and zero counts).</param>
    public MqttDetectionPublisher(MqttSettings settings, MqttOutbox outbox, MqttConnection connection, IReadOnlyList<string> labels)
    {
        _settings = settings;
        _topics = new MqttTopics(settings.TopicPrefix);
        _outbox = outbox;
        _connection = connection;
        _labels = labels;
    }

    public MqttTopics Topics => _topics;

    /// <summary>Queues the retained discovery configs and zero counts for these cameras.</summary>
    public void Announce(IEnumerable<string> cameras, string deviceName)
    {
        foreach (var camera in cameras)
        {
            foreach (var label in _labels)
            {
                SetCount(camera, label, 0, force: true);
            }
            if (_settings.HomeAssistantDiscovery)
            {
                foreach (var (topic, config) in HomeAssistantDiscovery.Configs(_settings.DiscoveryPrefix, _topics, camera, _labels, deviceName))
                {
                    _outbox.SetRetained(new OutgoingMessage(topic, MqttPayloads.Utf8(config.ToJsonString()), true, 1));
                }
            }
        }
        _connection.Notify();
    }

    /// <summary>Publishes a camera's state (retained).</summary>
    public void OnCameraState(CameraStateChange change)
    {
        _outbox.SetRetained(new OutgoingMessage(_topics.Status(change.CameraId), MqttPayloads.Status(change), true, 1));
        _connection.Notify();
    }

    /// <summary>Queues the messages of one result.</summary>
    public void OnResult(FrameResult result)
    {
        if (result.Detections.Count > 0 || _settings.PublishEmptyFrames)
        {
            _outbox.Enqueue(new OutgoingMessage(_topics.Detections(result.CameraId), MqttPayloads.Detections(result), false, _settings.Qos));
        }
        var counts = result.Detections.GroupBy(d => d.Label).ToDictionary(g => g.Key, g => g.Count());
        foreach (var label in _labels.Concat(counts.Keys).Distinct())
        {
            SetCount(result.CameraId, label, counts.GetValueOrDefault(label), force: false);
        }
        _connection.Notify();
    }

    /// <summary>Reads results until the subscription completes.</summary>
    public async Task RunAsync(ResultBroadcaster.Subscription results, CancellationToken cancellation)
    {
        try
        {
            await foreach (var r in results.Reader.ReadAllAsync(cancellation).ConfigureAwait(false)) OnResult(r);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    /// <summary>Queues the stats message: per camera fps over the interval, drops, inference time; MQTT outbox state.</summary>
    public void PublishStats(IReadOnlyCollection<CameraCounters> cameras, IReadOnlyDictionary<string, long> processedBefore, TimeSpan interval)
    {
        var perCamera = new JsonObject();
        foreach (var c in cameras)
        {
            long processed = c.FramesProcessed;
            double fps = (processed - processedBefore.GetValueOrDefault(c.CameraId)) / Math.Max(1e-9, interval.TotalSeconds);
            perCamera[c.CameraId] = new JsonObject
            {
                ["state"] = MqttPayloads.StateName(c.State),
                ["fps"] = Math.Round(fps, 2),
                ["frames_in"] = c.FramesIn,
                ["frames_processed"] = processed,
                ["frames_dropped"] = c.FramesDropped,
                ["reconnects"] = c.Reconnects,
                ["inference_ms_per_frame"] = processed == 0 ? 0 : Math.Round(c.InferenceTime.TotalMilliseconds / processed, 2),
            };
        }
        var stats = new JsonObject
        {
            ["time"] = MqttPayloads.Time(DateTimeOffset.UtcNow),
            ["cameras"] = perCamera,
            ["mqtt"] = new JsonObject { ["outbox"] = _outbox.Count, ["outbox_dropped"] = _outbox.Dropped, ["sent"] = _connection.Sent },
        };
        _outbox.Enqueue(new OutgoingMessage(_topics.Stats, MqttPayloads.Utf8(stats.ToJsonString()), false, 0));
        _connection.Notify();
    }

    /// <summary>Queues a non-retained message (recording segments, say).</summary>
    public void Publish(string topic, JsonNode payload)
    {
        _outbox.Enqueue(new OutgoingMessage(topic, MqttPayloads.Utf8(payload.ToJsonString()), false, _settings.Qos));
        _connection.Notify();
    }

    private void SetCount(string camera, string label, int count, bool force)
    {
        if (!_counts.TryGetValue(camera, out var perLabel)) _counts[camera] = perLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!force && perLabel.TryGetValue(label, out var old) && old == count) return;
        perLabel[label] = count;
        _outbox.SetRetained(new OutgoingMessage(_topics.LabelCount(camera, label), MqttPayloads.Utf8(count.ToString(System.Globalization.CultureInfo.InvariantCulture)), true, 1));
    }
}
