using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Publishing;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// One MQTT connection per camera of the pipeline, beside the instance's own (<see cref="MqttPresence.ForCamera"/>):
/// it carries the camera's retained status, and its last will turns that status <c>offline</c> when the
/// daemon dies, since a connection has only one will and the instance's is its availability. Each has a
/// small outbox of its own; the status is its only (retained) message.
/// </summary>
public sealed class CameraConnections(SsdStreamOptions options, MqttTopics topics, DetectionPipeline pipeline, ILoggerFactory loggers) : IAsyncDisposable
{
    /// <summary>Messages a camera's outbox holds: only its retained status, kept apart from the queue.</summary>
    private const int OutboxSize = 16;

    private readonly Lazy<IReadOnlyDictionary<string, (MqttOutbox Outbox, MqttConnection Connection)>> _all = new(() =>
        pipeline.Cameras.ToDictionary(c => c.CameraId, c =>
        {
            var outbox = new MqttOutbox(OutboxSize);
            var presence = MqttPresence.ForCamera(options.Mqtt.ClientIdOf(topics.Instance), topics, c.CameraId);
            return (outbox, new MqttConnection(options.Mqtt, presence, outbox, loggers.CreateLogger<MqttConnection>()));
        }, StringComparer.Ordinal));

    /// <summary>Each camera's connection.</summary>
    public IEnumerable<MqttConnection> All => _all.Value.Values.Select(v => v.Connection);

    /// <summary>The outbox of <paramref name="camera"/>'s connection, or null for a camera the pipeline does not run.</summary>
    public MqttOutbox? OutboxOf(string camera) => _all.Value.TryGetValue(camera, out var c) ? c.Outbox : null;

    public async ValueTask DisposeAsync()
    {
        if (!_all.IsValueCreated) return;
        foreach (var (outbox, connection) in _all.Value.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            outbox.Dispose();
        }
    }
}
