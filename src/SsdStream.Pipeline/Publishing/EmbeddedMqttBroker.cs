using System.Net;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// An in-process MQTT broker (MQTTnet) on loopback, used when no broker is configured so that the demo
/// works on a bare machine. Clients on this machine connect to 127.0.0.1:<see cref="Port"/>, with or
/// without a client id.
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

    /// <summary>Starts a broker on 127.0.0.1:<paramref name="port"/> (0: a free port); throws <see cref="IOException"/> if the port is taken.</summary>
    public static async Task<EmbeddedMqttBroker> StartAsync(int port)
    {
        if (port == 0) port = FreeLoopbackPort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .Build();
        var factory = new MqttServerFactory();
        var adapters = factory.DefaultServerAdapters.Select(create => (IMqttServerAdapter)new ClientIdAssigningServerAdapter(create(factory))).ToList();
        var server = factory.CreateMqttServer(options, adapters);
        // MQTT 5 clients without an id get one through the CONNACK's assigned client identifier.
        server.ValidatingConnectionAsync += e =>
        {
            if (string.IsNullOrEmpty(e.ClientId)) e.AssignedClientIdentifier = ClientIdAssigningChannel.NewId();
            return Task.CompletedTask;
        };
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new IOException($"the embedded MQTT broker cannot listen on 127.0.0.1:{port}: {e.Message}", e);
        }
        return new EmbeddedMqttBroker(server, port);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        _server.Dispose();
    }

    /// <summary>
    /// MQTTnet's broker refuses an MQTT 3.1.1 client that connects without a client id ("identifier
    /// rejected"): it assigns ids to MQTT 5 clients only. MQTT 3.1.1 [MQTT-3.1.3-6] says a server must
    /// accept a zero-length id with a clean session and treat the client as if it had sent an id the server
    /// chose, and mosquitto_sub (like most tools a user tries first) connects that way. MQTTnet has no
    /// setting for it, so this adapter gives such a CONNECT an id before the broker sees it; a zero-length
    /// id without a clean session is left alone, and the broker rejects it as [MQTT-3.1.3-8] requires.
    /// </summary>
    private sealed class ClientIdAssigningServerAdapter(IMqttServerAdapter inner) : IMqttServerAdapter
    {
        private Func<IMqttChannelAdapter, Task>? _handler;

        public Func<IMqttChannelAdapter, Task> ClientHandler
        {
            get => _handler!;
            set
            {
                _handler = value;
                inner.ClientHandler = channel => value(new ClientIdAssigningChannel(channel));
            }
        }

        public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger) => inner.StartAsync(options, logger);

        public Task StopAsync() => inner.StopAsync();

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A client's channel whose first packet, a CONNECT of MQTT 3.1/3.1.1 with an empty id and a clean session, gets an id.</summary>
    private sealed class ClientIdAssigningChannel(IMqttChannelAdapter inner) : IMqttChannelAdapter
    {
        private bool _first = true;

        public static string NewId() => "auto-" + Guid.NewGuid().ToString("N")[..16];

        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public System.Security.Cryptography.X509Certificates.X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            var packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            if (_first)
            {
                _first = false;
                if (packet is MqttConnectPacket { CleanSession: true } connect && string.IsNullOrEmpty(connect.ClientId)
                    && inner.PacketFormatterAdapter.ProtocolVersion != MqttProtocolVersion.V500)
                {
                    connect.ClientId = NewId();
                }
            }
            return packet;
        }

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
