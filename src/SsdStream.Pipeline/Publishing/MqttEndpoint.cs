namespace SsdStream.Pipeline.Publishing;

/// <summary>Where the MQTT client connects: the configured broker, or the embedded one on loopback.</summary>
public sealed record MqttEndpoint(string Host, int Port, bool UseTls)
{
    /// <summary>The configured broker of <paramref name="settings"/>.</summary>
    public static MqttEndpoint Configured(MqttSettings settings) => new(settings.Host, settings.Port, settings.Tls.Enabled);

    /// <summary>The embedded broker listening on 127.0.0.1:<paramref name="port"/>.</summary>
    public static MqttEndpoint Embedded(int port) => new("127.0.0.1", port, false);

    /// <summary>For logs: scheme, host and port, never credentials.</summary>
    public override string ToString() => $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
