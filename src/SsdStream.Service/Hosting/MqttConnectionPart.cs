using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Publishing;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Keeps the daemon connected to its broker and sends the outboxes: the instance's connection (availability,
/// detections, events, counts) and each camera's (its status, <see cref="CameraConnections"/>). At the stop
/// each sends what is still queued (within the budget); the instance's then publishes <c>stopped</c>, and
/// all disconnect cleanly, so that no last will fires.
/// </summary>
public sealed class MqttConnectionPart(MqttConnection connection, CameraConnections cameras, BrokerEndpoint endpoint, DaemonExit exit, StopBudget budget, ILogger<MqttConnectionPart> logger)
    : DaemonPart(budget, logger)
{
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public override string Name => "MQTT connection";

    private IEnumerable<MqttConnection> Connections => cameras.All.Prepend(connection);

    protected override Task StartPartAsync(CancellationToken cancellationToken)
    {
        var target = endpoint.Current;
        _run = Task.WhenAll(Connections.Select(c => Task.Run(() => c.RunAsync(target, _stop.Token), CancellationToken.None)));
        exit.Watch(Name, _run);
        return Task.CompletedTask;
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        // Drain while the budget lasts; "stopped" and the disconnects get the part's own deadline.
        await Task.WhenAll(Connections.Select(c => c.StopAsync(Budget.Expired, deadline))).ConfigureAwait(false);
        _stop.Dispose();
    }
}
