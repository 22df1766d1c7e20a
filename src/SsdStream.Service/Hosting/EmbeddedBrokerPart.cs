using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Publishing;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>The embedded MQTT broker, run when no broker is configured (<c>Mqtt:Host</c> empty), so the demo works on a bare machine.</summary>
public sealed partial class EmbeddedBrokerPart(SsdStreamOptions options, BrokerEndpoint endpoint, StopBudget budget, ILogger<EmbeddedBrokerPart> logger)
    : DaemonPart(budget, logger)
{
    private EmbeddedMqttBroker? _broker;

    public override string Name => "embedded MQTT broker";

    protected override async Task StartPartAsync(CancellationToken cancellationToken)
    {
        _broker = await EmbeddedMqttBroker.StartAsync(options.Mqtt.EmbeddedPort).ConfigureAwait(false);
        endpoint.UseEmbedded(_broker.Port);
        LogListening(logger, _broker.Port, options.Mqtt.TopicPrefix);
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        if (_broker != null) await _broker.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: no broker configured, embedded broker on 127.0.0.1:{Port}; watch it with: mosquitto_sub -h 127.0.0.1 -p {Port} -t '{Prefix}/#' -v")]
    private static partial void LogListening(ILogger logger, int port, string prefix);
}
