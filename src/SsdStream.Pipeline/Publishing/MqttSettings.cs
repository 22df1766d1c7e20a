namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// The MQTT section of the configuration (<c>SsdStream:Mqtt</c>), bound as it is: each key's default is
/// here and nowhere else. Relative file paths are resolved by whoever binds it, before validation.
/// </summary>
public sealed record MqttSettings
{
    /// <summary>Broker host; empty starts the embedded broker on 127.0.0.1:<see cref="EmbeddedPort"/>.</summary>
    public string Host { get; init; } = "";

    public int Port { get; init; } = 1883;

    /// <summary>Port of the embedded broker (used when <see cref="Host"/> is empty; 0 picks a free one).</summary>
    public int EmbeddedPort { get; init; } = 1883;

    public MqttTlsSettings Tls { get; init; } = new();

    public string Username { get; init; } = "";

    /// <summary>Never logged or published.</summary>
    public string Password { get; init; } = "";

    /// <summary>The client id; empty: <c>ssdstream-&lt;Instance:Name&gt;</c> (<see cref="ClientIdOf"/>). Each camera's connection adds <c>-&lt;camera&gt;</c>.</summary>
    public string ClientId { get; init; } = "";

    public double KeepAliveSeconds { get; init; } = 30;

    /// <summary>QoS of detection messages (0, 1 or 2); state messages use at least 1.</summary>
    public int Qos { get; init; } = 1;

    public string TopicPrefix { get; init; } = "ssdstream";

    /// <summary>
    /// MQTT 5 message expiry of detection messages, in seconds (0: none): a broker holding them for a
    /// subscriber that is away (a persistent session) drops them after this long instead of delivering
    /// stale frames when it comes back.
    /// </summary>
    public int DetectionExpirySeconds { get; init; } = 10;

    /// <summary>Also publish frames without detections.</summary>
    public bool PublishEmptyFrames { get; init; }

    /// <summary>Seconds between <c>&lt;prefix&gt;/stats</c> messages (0: none).</summary>
    public double StatsIntervalSeconds { get; init; } = 10;

    /// <summary>Detection messages kept while the broker is away; beyond that the oldest are dropped and counted.</summary>
    public int OutboxSize { get; init; } = 1000;

    public MqttHomeAssistantSettings HomeAssistant { get; init; } = new();

    /// <summary>Whether the daemon runs its own broker (no <see cref="Host"/> configured).</summary>
    public bool UsesEmbeddedBroker => string.IsNullOrWhiteSpace(Host);

    public TimeSpan KeepAlive => TimeSpan.FromSeconds(KeepAliveSeconds);

    /// <summary>The client id of <paramref name="instance"/>'s daemon: <see cref="ClientId"/>, or <c>ssdstream-&lt;instance&gt;</c> when it is empty.</summary>
    public string ClientIdOf(string instance) => string.IsNullOrWhiteSpace(ClientId) ? $"ssdstream-{instance}" : ClientId;
}

/// <summary>TLS to the broker (<c>SsdStream:Mqtt:Tls</c>); certificate and key files in PEM.</summary>
public sealed record MqttTlsSettings
{
    public bool Enabled { get; init; }

    /// <summary>PEM file of the CA that signed the broker's certificate (empty: the system's trust store).</summary>
    public string CaFile { get; init; } = "";

    /// <summary>PEM certificate of this client, for brokers that ask for one.</summary>
    public string ClientCertificate { get; init; } = "";

    /// <summary>PEM private key of the client certificate (unencrypted).</summary>
    public string ClientKey { get; init; } = "";

    /// <summary>Accept a broker certificate that does not verify (self-signed, wrong name).</summary>
    public bool AllowUntrusted { get; init; }
}

/// <summary>Home Assistant MQTT discovery (<c>SsdStream:Mqtt:HomeAssistant</c>).</summary>
public sealed record MqttHomeAssistantSettings
{
    public bool Enabled { get; init; } = true;

    public string DiscoveryPrefix { get; init; } = "homeassistant";
}
