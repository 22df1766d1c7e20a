using SsdStream.Pipeline.Publishing;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>Where the daemon's MQTT client connects: the configured broker, or the embedded one once it listens.</summary>
public sealed class BrokerEndpoint(SsdStreamOptions options)
{
    private MqttEndpoint? _embedded;

    public MqttEndpoint Current => _embedded ?? MqttEndpoint.Configured(options.Mqtt);

    /// <summary>Called by the embedded broker's part once it listens.</summary>
    public void UseEmbedded(int port) => _embedded = MqttEndpoint.Embedded(port);
}
