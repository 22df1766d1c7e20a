namespace SsdStream.Pipeline.Publishing;

/// <summary>How to reach the broker and what to publish (bound from the service's configuration).</summary>
public sealed record MqttSettings
{
    public required string Host { get; init; }

    public int Port { get; init; } = 1883;

    public bool UseTls { get; init; }

    /// <summary>PEM or DER file of the CA that signed the broker's certificate (TLS).</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM certificate of this client, for brokers that ask for one (TLS).</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>PEM private key of the client certificate.</summary>
    public string? ClientKeyFile { get; init; }

    public bool AllowUntrustedCertificates { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string ClientId { get; init; } = "ssdstream";

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>QoS of detection messages (0, 1 or 2); state messages use at least 1.</summary>
    public int Qos { get; init; } = 1;

    public string TopicPrefix { get; init; } = "ssdstream";

    /// <summary>Also publish frames without detections.</summary>
    public bool PublishEmptyFrames { get; init; }

    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Detection messages kept while the broker is away; beyond that the oldest are dropped and counted.</summary>
    public int OutboxSize { get; init; } = 1000;

    public TimeSpan ReconnectInitial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Publish Home Assistant MQTT discovery configs.</summary>
    public bool HomeAssistantDiscovery { get; init; } = true;

    public string DiscoveryPrefix { get; init; } = "homeassistant";

    /// <summary>For logs: host and port, never credentials.</summary>
    public override string ToString() => $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
