using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Turns pipeline results and camera states into MQTT messages in the outbox: detections of every frame
/// that has any (and empty frames when configured), retained per-label counts when they change, retained
/// camera status, closed recording segments, periodic stats, and Home Assistant discovery configs for
/// every camera and label. It only queues: the <see cref="MqttConnection"/> sends.
/// </summary>
public sealed class MqttDetectionPublisher
{
    private readonly MqttSettings _settings;
    private readonly MqttTopics _topics;
    private readonly MqttOutbox _outbox;
    private readonly IReadOnlyList<string> _labels;
    private readonly Dictionary<string, Dictionary<string, int>> _counts = new(StringComparer.Ordinal);
    private readonly Lock _countsLock = new();

    /// <param name="labels">Every label the model can report (for discovery and zero counts).</param>
    public MqttDetectionPublisher(MqttSettings settings, MqttTopics topics, MqttOutbox outbox, IReadOnlyList<string> labels)
    {
        _settings = settings;
        _topics = topics;
        _outbox = outbox;
        _labels = labels;
    }

    /// <summary>Queues the retained discovery configs and zero counts for these cameras.</summary>
    public void Announce(IEnumerable<string> cameras, string deviceName)
    {
        foreach (var camera in cameras)
        {
            foreach (var label in _labels)
            {
                SetCount(camera, label, 0, force: true);
            }
            if (_settings.HomeAssistant.Enabled)
            {
                foreach (var (topic, config) in HomeAssistantDiscovery.Configs(_settings.HomeAssistant.DiscoveryPrefix, _topics, camera, _labels, deviceName))
                {
                    _outbox.SetRetained(new OutgoingMessage(topic, MqttPayloads.Utf8(config.ToJsonString()), true, 1));
                }
            }
        }
    }

    /// <summary>Publishes a camera's state (retained).</summary>
    public void OnCameraState(CameraStateChange change) =>
        _outbox.SetRetained(new OutgoingMessage(_topics.Status(change.CameraId), MqttPayloads.Status(change), true, 1));

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

    /// <summary>Queues the stats message for the interval <paramref name="delta"/> covers.</summary>
    public void PublishStats(PipelineDelta delta, DateTimeOffset time, long sent) =>
        _outbox.Enqueue(new OutgoingMessage(_topics.Stats, MqttPayloads.Stats(delta, time, _outbox.Count, _outbox.Dropped, sent), false, 0));

    /// <summary>Queues the message announcing a closed recording segment.</summary>
    public void PublishSegment(RecordedSegment segment) =>
        _outbox.Enqueue(new OutgoingMessage(_topics.Recordings(segment.Camera), MqttPayloads.Segment(segment), false, _settings.Qos));

    private void SetCount(string camera, string label, int count, bool force)
    {
        lock (_countsLock)
        {
            if (!_counts.TryGetValue(camera, out var perLabel)) _counts[camera] = perLabel = new Dictionary<string, int>(StringComparer.Ordinal);
            if (!force && perLabel.TryGetValue(label, out var old) && old == count) return;
            perLabel[label] = count;
        }
        _outbox.SetRetained(new OutgoingMessage(_topics.LabelCount(camera, label), MqttPayloads.Utf8(count.ToString(System.Globalization.CultureInfo.InvariantCulture)), true, 1));
    }
}
