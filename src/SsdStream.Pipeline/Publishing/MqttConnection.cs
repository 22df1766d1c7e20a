using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Keeps the client connected and sends the outbox: its own reconnect loop with exponential backoff
/// (not inside MQTTnet's Disconnected event), a timeout on every connect, <c>online</c> published on each
/// connect (with every retained state re-sent), and on stop <c>stopped</c> published and an explicit
/// disconnect (which does not fire the <c>offline</c> last will). Messages leave the outbox only once the
/// broker took them. A broker outage is logged once, with what overflowed the outbox.
/// </summary>
public sealed partial class MqttConnection : IAsyncDisposable
{
    private readonly MqttSettings _settings;
    private readonly MqttTopics _topics;
    private readonly MqttOutbox _outbox;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Random _random = new();
    private readonly HashSet<string> _refusedTopics = [];
    private long _sent;
    private long _refused;

    public MqttConnection(MqttSettings settings, MqttOutbox outbox, ILogger logger)
    {
        _settings = settings;
        _topics = new MqttTopics(settings.TopicPrefix);
        _outbox = outbox;
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

    /// <summary>Wakes the sender after something was queued.</summary>
    public void Notify()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>Connects, sends and reconnects until cancelled; then publishes <c>stopped</c> and disconnects.</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        var options = MqttClientOptionsFactory.Create(_settings, _topics);
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
                        timeout.CancelAfter(_settings.ConnectTimeout);
                        await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
                        attempt = 0;
                        if (outage) LogBrokerBack(_logger, _settings.ToString(), _outbox.Dropped - droppedAtOutage);
                        else LogConnected(_logger, _settings.ToString());
                        outage = false;
                        _outbox.ResendRetained();
                        await PublishOrDropAsync(new OutgoingMessage(_topics.Available, MqttPayloads.Utf8(MqttClientOptionsFactory.Online), true, 1), cancellation).ConfigureAwait(false);
                    }
                    catch (Exception e) when (!cancellation.IsCancellationRequested && e is not OutOfMemoryException)
                    {
                        if (!outage)
                        {
                            outage = true;
                            droppedAtOutage = _outbox.Dropped;
                            LogBrokerAway(_logger, _settings.ToString(), e.Message, _outbox.Capacity);
                        }
                        var delay = TimeSpan.FromMilliseconds(Math.Min(_settings.ReconnectMax.TotalMilliseconds,
                            _settings.ReconnectInitial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt++, 20))) * (0.8 + 0.4 * _random.NextDouble()));
                        await Task.Delay(delay, cancellation).ConfigureAwait(false);
                        continue;
                    }
                }
                if (!await SendQueuedAsync(cancellation).ConfigureAwait(false)) continue;
                await _wake.WaitAsync(TimeSpan.FromSeconds(1), cancellation).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Sends what is still queued (within <paramref name="timeout"/>), publishes <c>stopped</c> and
    /// disconnects cleanly. Call after <see cref="RunAsync"/> returned.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_client.IsConnected) return;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await SendQueuedAsync(cts.Token).ConfigureAwait(false);
            await PublishOrDropAsync(new OutgoingMessage(_topics.Available, MqttPayloads.Utf8(MqttClientOptionsFactory.Stopped), true, 1), cts.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cts.Token).ConfigureAwait(false);
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
            .Build();
        var result = await _client.PublishAsync(m, cancellation).ConfigureAwait(false);
        if (!result.IsSuccess) throw new PublishRefusedException(message.Topic, $"{result.ReasonCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : ": " + result.ReasonString)}");
        Interlocked.Increment(ref _sent);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _wake.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Broker}")]
    private static partial void LogConnected(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Broker} is away ({Reason}); detection goes on, up to {Capacity} messages wait in the outbox, older ones will be dropped")]
    private static partial void LogBrokerAway(ILogger logger, string broker, string reason, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT broker {Broker} is back; {Dropped} messages were dropped during the outage")]
    private static partial void LogBrokerBack(ILogger logger, string broker, long dropped);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT stop: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string reason);
}
