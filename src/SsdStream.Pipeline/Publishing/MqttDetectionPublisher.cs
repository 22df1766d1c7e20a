using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Sources;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Turns pipeline results and camera states into MQTT messages in the outbox: detections of every frame
/// that has any (and empty frames when configured), object events, retained counts of the current
/// objects per camera and label and per zone and label when they change, retained camera status, closed
/// recording segments, periodic stats, and Home Assistant discovery configs for every camera, zone and
/// label. It only queues: the <see cref="MqttConnection"/>s send (a camera's status goes to the outbox of
/// the camera's own connection when it has one, whose last will turns it <c>offline</c>).
/// </summary>
public sealed class MqttDetectionPublisher
{
    private readonly MqttSettings _settings;
    private readonly MqttTopics _topics;
    private readonly MqttOutbox _outbox;
    private readonly IReadOnlyList<string> _labels;
    /// <summary>The last published count per count topic.</summary>
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    /// <summary>The zones of each camera, with the labels they count.</summary>
    private readonly Dictionary<string, List<(string Zone, IReadOnlyList<string> Labels)>> _zones = new(StringComparer.Ordinal);
    private readonly Lock _countsLock = new();
    private readonly Func<string, MqttOutbox?> _statusOutbox;
    /// <summary>The number of the last detections message queued per camera (<c>message_sequence</c>), under <see cref="_messagesLock"/>.</summary>
    private readonly Dictionary<string, long> _messages = new(StringComparer.Ordinal);
    private readonly Lock _messagesLock = new();

    /// <param name="labels">Every label the model can report (for discovery and zero counts).</param>
    /// <param name="statusOutbox">The outbox of a camera's own connection (null, or a null answer: <paramref name="outbox"/>).</param>
    public MqttDetectionPublisher(MqttSettings settings, MqttTopics topics, MqttOutbox outbox, IReadOnlyList<string> labels, Func<string, MqttOutbox?>? statusOutbox = null)
    {
        _settings = settings;
        _topics = topics;
        _outbox = outbox;
        _labels = labels;
        _statusOutbox = statusOutbox ?? (_ => null);
    }

    /// <summary>Queues the retained discovery configs and zero counts for these cameras and their zones.</summary>
    /// <param name="zones">Each camera's zones (a camera without any may be left out).</param>
    public void Announce(IEnumerable<string> cameras, string deviceName, IReadOnlyDictionary<string, IReadOnlyList<ZoneSettings>>? zones = null)
    {
        foreach (var camera in cameras)
        {
            var cameraZones = zones?.GetValueOrDefault(camera) ?? [];
            lock (_countsLock) _zones[camera] = cameraZones.Select(z => (z.Name, z.Labels.Count > 0 ? z.Labels : _labels)).ToList();
            foreach (var label in _labels) SetCount(_topics.LabelCount(camera, label), 0, force: true);
            foreach (var z in cameraZones)
            {
                foreach (var label in z.Labels.Count > 0 ? z.Labels : _labels) SetCount(_topics.ZoneCount(z.Name, label), 0, force: true);
            }
            if (_settings.HomeAssistant.Enabled)
            {
                var configs = HomeAssistantDiscovery.Configs(_settings.HomeAssistant.DiscoveryPrefix, _topics, camera, _labels, deviceName)
                    .Concat(cameraZones.SelectMany(z => HomeAssistantDiscovery.ZoneConfigs(_settings.HomeAssistant.DiscoveryPrefix, _topics, camera, z.Name,
                        z.Labels.Count > 0 ? z.Labels : _labels, deviceName)));
                foreach (var (topic, config) in configs)
                {
                    _outbox.SetRetained(new OutgoingMessage(topic, MqttPayloads.Utf8(config.ToJsonString()), true, 1));
                }
            }
        }
    }

    /// <summary>Publishes a camera's state (retained), naming this instance.</summary>
    public void OnCameraState(CameraStateChange change) =>
        (_statusOutbox(change.CameraId) ?? _outbox).SetRetained(new OutgoingMessage(_topics.Status(change.CameraId), MqttPayloads.Status(change, _topics.Instance), true, 1));

    /// <summary>Queues the messages of one result: its detections and the counts that changed (its events come with their media, <see cref="PublishEvent"/>).</summary>
    public void OnResult(FrameResult result)
    {
        bool closing = result.Tracking?.Closing == true;
        if (!closing && (result.Detections.Count > 0 || _settings.PublishEmptyFrames))
        {
            // Numbered and queued under one lock, so that the numbers leave in order.
            lock (_messagesLock)
            {
                long message = _messages[result.CameraId] = _messages.GetValueOrDefault(result.CameraId) + 1;
                _outbox.Enqueue(new OutgoingMessage(_topics.Detections(result.CameraId), MqttPayloads.Detections(result, message), false, _settings.Qos, (uint)_settings.DetectionExpirySeconds));
            }
        }
        if (result.Tracking is not { } tracking)
        {
            // Untracked: the frame's detections are the count.
            PublishCounts(result.CameraId, result.Detections.Select(d => (d.Label, (IReadOnlyList<string>)[])));
            return;
        }
        PublishCounts(result.CameraId, tracking.Objects.Select(o => (o.Label, o.CurrentZones)));
    }

    /// <summary>Sets every count of the camera and of its zones from its current objects (label, zones).</summary>
    private void PublishCounts(string camera, IEnumerable<(string Label, IReadOnlyList<string> Zones)> objects)
    {
        var perLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        var perZone = new Dictionary<(string, string), int>();
        foreach (var (label, zones) in objects)
        {
            perLabel[label] = perLabel.GetValueOrDefault(label) + 1;
            foreach (var zone in zones) perZone[(zone, label)] = perZone.GetValueOrDefault((zone, label)) + 1;
        }
        foreach (var label in _labels.Concat(perLabel.Keys).Distinct())
        {
            SetCount(_topics.LabelCount(camera, label), perLabel.GetValueOrDefault(label), force: false);
        }
        List<(string Zone, IReadOnlyList<string> Labels)>? zonesOfCamera;
        lock (_countsLock) zonesOfCamera = _zones.GetValueOrDefault(camera);
        foreach (var (zone, labels) in zonesOfCamera ?? [])
        {
            foreach (var label in labels) SetCount(_topics.ZoneCount(zone, label), perZone.GetValueOrDefault((zone, label)), force: false);
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
        _outbox.Enqueue(new OutgoingMessage(_topics.Stats, MqttPayloads.Stats(delta, time, _topics.Instance, _outbox.Count, _outbox.Dropped, sent), false, 0));

    /// <summary>Queues the message announcing a closed recording segment, with the events it holds.</summary>
    public void PublishSegment(RecordedSegment segment, IReadOnlyList<string>? events = null) =>
        _outbox.Enqueue(new OutgoingMessage(_topics.Recordings(segment.Camera), MqttPayloads.Segment(segment, events), false, _settings.Qos));

    /// <summary>Queues an object event (<c>&lt;prefix&gt;/events</c>, not retained) with what it has of snapshot and clip.</summary>
    public void PublishEvent(Events.EventWithMedia e)
    {
        if (e.ClipCompleted) return; // the store's copy; the end was published already
        _outbox.Enqueue(new OutgoingMessage(_topics.Events, MqttPayloads.Event(e.Event, e.Media.HasSnapshot, e.Media.HasClip || e.ClipExpected, e.Media.SnapshotOf), false, _settings.Qos));
    }

    /// <summary>Queues an object's best snapshot, retained on <c>&lt;prefix&gt;/&lt;camera&gt;/&lt;label&gt;/snapshot</c> (what Home Assistant's MQTT camera shows).</summary>
    public void PublishSnapshot(string camera, string label, byte[] jpeg) =>
        _outbox.SetRetained(new OutgoingMessage(_topics.Snapshot(camera, label), jpeg, true, 1));

    private void SetCount(string topic, int count, bool force)
    {
        lock (_countsLock)
        {
            if (!force && _counts.TryGetValue(topic, out var old) && old == count) return;
            _counts[topic] = count;
        }
        _outbox.SetRetained(new OutgoingMessage(topic, MqttPayloads.Utf8(count.ToString(System.Globalization.CultureInfo.InvariantCulture)), true, 1));
    }
}
