using System.Net;
using MQTTnet.Server;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// An in-process MQTT broker (MQTTnet) on loopback, used when no broker is configured so that the demo
/// works on a bare machine. Clients on this machine connect to 127.0.0.1:<see cref="Port"/>.
/// </summary>
public sealed class EmbeddedMqttBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedMqttBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts a broker on 127.0.0.1:<paramref name="port"/>; throws if the port is taken.</summary>
    public static async Task<EmbeddedMqttBroker> StartAsync(int port)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        // MQTT 3.1.1 lets a clean-session client connect without an id (mosquitto_sub does); the broker assigns one.
        server.ValidatingConnectionAsync += e =>
        {
            if (string.IsNullOrEmpty(e.ClientId)) e.AssignedClientIdentifier = "auto-" + Guid.NewGuid().ToString("N")[..16];
            return Task.CompletedTask;
        };
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new InvalidOperationException($"the embedded MQTT broker cannot listen on 127.0.0.1:{port}: {e.Message}", e);
        }
        return new EmbeddedMqttBroker(server, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        _server.Dispose();
    }
}
