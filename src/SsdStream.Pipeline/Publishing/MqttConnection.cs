using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Keeps one client connected and sends its outbox: its own reconnect loop with the cameras' backoff
/// (<see cref="ReconnectPolicy"/>, not inside MQTTnet's Disconnected event), a timeout on every connect,
/// the presence's connect message (<c>online</c>) published on each connect (with every retained state
/// re-sent), and on stop its stop message (<c>stopped</c>) published and an explicit disconnect (which
/// does not fire the last will, <see cref="MqttPresence"/>).
/// Messages leave the outbox only once the broker took them. A broker outage is logged once, with what
/// overflowed the outbox.
/// </summary>
public sealed partial class MqttConnection : IAsyncDisposable
{
    private readonly MqttSettings _settings;
    private readonly MqttPresence _presence;
    private readonly MqttOutbox _outbox;
    private readonly ReconnectPolicy _reconnect;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly Random _random = new();
    private readonly HashSet<string> _refusedTopics = [];
    private long _sent;
    private long _refused;

    /// <param name="reconnect">Backoff between connect attempts (<see cref="ReconnectPolicy.Default"/>, as for cameras).</param>
    public MqttConnection(MqttSettings settings, MqttPresence presence, MqttOutbox outbox, ILogger logger, ReconnectPolicy? reconnect = null)
    {
        _settings = settings;
        _presence = presence;
        _outbox = outbox;
        _reconnect = reconnect ?? ReconnectPolicy.Default;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Messages the broker accepted since start.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>
    /// Messages the broker answered with an error (not authorised, topic invalid, too large...) since
    /// start. Such a message is dropped, not retried: the broker would refuse it again, and retrying at
    /// once would hold up every message behind it.
    /// </summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Connects to <paramref name="endpoint"/>, sends and reconnects until cancelled.</summary>
    public async Task RunAsync(MqttEndpoint endpoint, CancellationToken cancellation)
    {
        var options = MqttClientOptionsFactory.Create(_settings, endpoint, _presence);
        var level = _presence.Quiet ? LogLevel.Debug : LogLevel.Information;
        int attempt = 0;
        bool outage = false;
        long droppedAtOutage = 0;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                if (!_client.IsConnected)
                {
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                        timeout.CancelAfter(MqttClientOptionsFactory.ConnectTimeout);
                        await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
                        attempt = 0;
                        if (outage) LogBrokerBack(_logger, level, endpoint.ToString(), _presence.ClientId, _outbox.Dropped - droppedAtOutage);
                        else LogConnected(_logger, level, endpoint.ToString(), _presence.ClientId);
                        outage = false;
                        _outbox.ResendRetained();
                        if (_presence.OnConnect is { } hello) await PublishOrDropAsync(hello, cancellation).ConfigureAwait(false);
                    }
                    catch (Exception e) when (!cancellation.IsCancellationRequested && e is not OutOfMemoryException)
                    {
                        if (!outage)
                        {
                            outage = true;
                            droppedAtOutage = _outbox.Dropped;
                            if (_presence.Quiet) LogBrokerAwayQuiet(_logger, endpoint.ToString(), _presence.ClientId, e.Message);
                            else LogBrokerAway(_logger, endpoint.ToString(), e.Message, _outbox.Capacity);
                        }
                        await Task.Delay(_reconnect.Delay(attempt++, _random), cancellation).ConfigureAwait(false);
                        continue;
                    }
                }
                if (!await SendQueuedAsync(cancellation).ConfigureAwait(false)) continue;
                await _outbox.WaitAsync(TimeSpan.FromSeconds(1), cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Sends what is still queued until <paramref name="drain"/> is cancelled, then publishes the
    /// presence's stop message (<c>stopped</c>) and disconnects cleanly, giving up when <paramref name="cutOff"/> is cancelled. Call
    /// after <see cref="RunAsync"/> returned.
    /// </summary>
    public async Task StopAsync(CancellationToken drain, CancellationToken cutOff)
    {
        if (!_client.IsConnected) return;
        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(drain, cutOff);
            await SendQueuedAsync(both.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Out of time (or the connection broke): what is left stays unsent; "stopped" still goes out.
            LogUnsentAtStop(_logger, _outbox.Count);
        }
        try
        {
            if (_presence.AtStop is { } goodbye) await PublishOrDropAsync(goodbye, cutOff).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cutOff).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogStopFailed(_logger, e.Message);
        }
    }

    /// <summary>Sends everything queued; false if the connection broke (the unsent message goes back to the outbox).</summary>
    private async Task<bool> SendQueuedAsync(CancellationToken cancellation)
    {
        while (_outbox.Take() is { } message)
        {
            try
            {
                await PublishOrDropAsync(message, cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _outbox.Failed(message);
                // Cancelled mid-send: MQTTnet reports it as a timeout of the pending packet; it is a stop.
                cancellation.ThrowIfCancellationRequested();
                LogSendFailed(_logger, e.Message);
                return false;
            }
        }
        return true;
    }

    /// <summary>Publishes; a message the broker refuses is counted, logged (once per topic) and dropped.</summary>
    private async Task PublishOrDropAsync(OutgoingMessage message, CancellationToken cancellation)
    {
        try
        {
            await PublishAsync(message, cancellation).ConfigureAwait(false);
        }
        catch (PublishRefusedException e)
        {
            Interlocked.Increment(ref _refused);
            if (_refusedTopics.Add(message.Topic)) LogRefused(_logger, message.Topic, e.Reason);
            else LogRefusedAgain(_logger, message.Topic, e.Reason);
        }
    }

    private async Task PublishAsync(OutgoingMessage message, CancellationToken cancellation)
    {
        var m = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithRetainFlag(message.Retain)
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)Math.Clamp(message.Qos, 0, 2))
            .WithMessageExpiryInterval(message.ExpirySeconds)
            .Build();
        var result = await _client.PublishAsync(m, cancellation).ConfigureAwait(false);
        if (!result.IsSuccess) throw new PublishRefusedException(message.Topic, $"{result.ReasonCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : ": " + result.ReasonString)}");
        Interlocked.Increment(ref _sent);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Message = "MQTT connected to {Broker} as {ClientId}")]
    private static partial void LogConnected(ILogger logger, LogLevel level, string broker, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Broker} is away ({Reason}); detection goes on, up to {Capacity} messages wait in the outbox, older ones will be dropped")]
    private static partial void LogBrokerAway(ILogger logger, string broker, string reason, int capacity);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT broker {Broker} is away for {ClientId} ({Reason})")]
    private static partial void LogBrokerAwayQuiet(ILogger logger, string broker, string clientId, string reason);

    [LoggerMessage(Message = "MQTT broker {Broker} is back for {ClientId}; {Dropped} messages were dropped during the outage")]
    private static partial void LogBrokerBack(ILogger logger, LogLevel level, string broker, string clientId, long dropped);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT send failed: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker refused a message on {Topic} ({Reason}); dropped, and so will be every refused message (check the broker's ACL for this topic)")]
    private static partial void LogRefused(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT broker refused a message on {Topic} ({Reason}); dropped")]
    private static partial void LogRefusedAgain(ILogger logger, string topic, string reason);

    /// <summary>The broker answered a publish with an error reason code; the connection is fine.</summary>
    private sealed class PublishRefusedException(string topic, string reason) : Exception($"broker refused {topic}: {reason}")
    {
        public string Reason { get; } = reason;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT stop: {Count} messages left unsent when the stop's time was up")]
    private static partial void LogUnsentAtStop(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT stop: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string reason);
}
