using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace SsdStream.Service.Tests;

/// <summary>
/// An MQTT client that records every message under a filter. With <c>persistent</c>, its session (QoS 1)
/// survives its disconnections and broker restarts, so messages sent meanwhile are delivered later.
/// It reconnects by itself.
/// </summary>
public sealed class MqttTestSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string _filter;
    private readonly CancellationTokenSource _stop = new();
    private Task _reconnect = Task.CompletedTask;

    /// <param name="clientId">The client id (a persistent session is found again by it); default: a new one.</param>
    public MqttTestSubscriber(int port, string filter, bool persistent = false, string? clientId = null)
    {
        _filter = filter;
        _options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(clientId ?? "test-sub-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanSession(!persistent)
            .WithSessionExpiryInterval(persistent ? 3600u : 0u)
            .Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Messages.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), e.ApplicationMessage.Retain));
            RawPayloads.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
    }

    public ConcurrentQueue<(string Topic, string Payload, bool Retained)> Messages { get; } = new();

    /// <summary>Every message's bytes (binary payloads such as JPEG snapshots).</summary>
    public ConcurrentQueue<(string Topic, byte[] Payload)> RawPayloads { get; } = new();

    public async Task StartAsync()
    {
        await ConnectAsync();
        _reconnect = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(200, _stop.Token);
                    if (!_client.IsConnected) await ConnectAsync();
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested) { break; }
                catch (Exception e)
                {
                    // Keep trying whatever the failure (a connect timeout under load is an OperationCanceledException too).
                    Connections.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} connect failed: {e.GetType().Name}");
                }
            }
        });
    }

    private async Task ConnectAsync()
    {
        var result = await _client.ConnectAsync(_options, _stop.Token);
        Connections.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} connected, session present: {result.IsSessionPresent}");
        if (!result.IsSessionPresent)
        {
            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), _stop.Token);
        }
    }

    /// <summary>Each connection attempt's time and outcome, for failure messages.</summary>
    public ConcurrentQueue<string> Connections { get; } = new();

    public IEnumerable<string> Payloads(string topic) => Messages.Where(m => m.Topic == topic).Select(m => m.Payload);

    /// <summary>Waits until <paramref name="condition"/> holds over the messages, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitFor(Func<IReadOnlyCollection<(string Topic, string Payload, bool Retained)>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition(Messages.ToArray())) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out waiting for {what}; got {Messages.Count} messages: {string.Join(" | ", Messages.TakeLast(5).Select(m => m.Topic + " " + m.Payload[..Math.Min(80, m.Payload.Length)]))}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _reconnect; } catch (OperationCanceledException) { }
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
        _stop.Dispose();
    }
}
