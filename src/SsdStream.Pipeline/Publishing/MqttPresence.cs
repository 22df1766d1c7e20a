namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Who a connection is to the broker: its client id, the retained last will the broker publishes when the
/// connection dies without a clean disconnect (SIGKILL, a crash, a lost network), and what it publishes
/// when it connects and when it stops cleanly. An MQTT connection has one will, so the daemon holds one
/// connection for itself (<see cref="ForInstance"/>) and one per camera (<see cref="ForCamera"/>), so
/// that a daemon that dies turns its availability and each of its cameras' status to <c>offline</c>.
/// </summary>
/// <param name="Quiet">Log its connects and outages at debug level (a camera's connection follows the instance's).</param>
public sealed record MqttPresence(string ClientId, OutgoingMessage Will, OutgoingMessage? OnConnect, OutgoingMessage? AtStop, bool Quiet = false)
{
    public const string Online = "online";
    public const string Offline = "offline";
    public const string Stopped = "stopped";

    /// <summary>The instance's own connection: <c>&lt;prefix&gt;/&lt;instance&gt;/available</c> is <c>online</c>, <c>stopped</c>, or <c>offline</c> (the will).</summary>
    public static MqttPresence ForInstance(string clientId, MqttTopics topics) => new(clientId,
        Available(topics, Offline), Available(topics, Online), Available(topics, Stopped));

    /// <summary>
    /// A camera's connection (client id <c>&lt;clientId&gt;-&lt;camera&gt;</c>): it carries the camera's
    /// retained status, and its will sets that status to <c>offline</c>, naming the instance.
    /// </summary>
    public static MqttPresence ForCamera(string clientId, MqttTopics topics, string camera) => new($"{clientId}-{camera}",
        new OutgoingMessage(topics.Status(camera), MqttPayloads.StatusLost(topics.Instance), true, 1), null, null, Quiet: true);

    private static OutgoingMessage Available(MqttTopics topics, string state) => new(topics.Available, MqttPayloads.Utf8(state), true, 1);
}
