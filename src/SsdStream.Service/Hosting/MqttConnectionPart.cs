using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Publishing;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Keeps the daemon connected to its broker and sends the outbox; at the stop it sends what is still
/// queued (within the budget), publishes <c>stopped</c> and disconnects.
/// </summary>
public sealed class MqttConnectionPart(MqttConnection connection, BrokerEndpoint endpoint, DaemonExit exit, StopBudget budget, ILogger<MqttConnectionPart> logger)
    : DaemonPart(budget, logger)
{
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public override string Name => "MQTT connection";

    protected override Task StartPartAsync(CancellationToken cancellationToken)
    {
        var target = endpoint.Current;
        _run = Task.Run(() => connection.RunAsync(target, _stop.Token), CancellationToken.None);
        exit.Watch(Name, _run);
        return Task.CompletedTask;
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        // Drain while the budget lasts; "stopped" and the disconnect get the part's own deadline.
        await connection.StopAsync(Budget.Expired, deadline).ConfigureAwait(false);
        _stop.Dispose();
    }
}
