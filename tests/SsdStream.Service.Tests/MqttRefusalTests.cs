using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Publishing;

namespace SsdStream.Service.Tests;

/// <summary>A broker that refuses some messages (an ACL) never holds up the others.</summary>
public sealed class MqttRefusalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-refusal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task RefusedTopic_IsDroppedOnce_AndTheOtherMessagesKeepFlowing()
    {
        // Anonymous clients may write under ssdstream/ only: Home Assistant discovery is refused.
        var acl = Path.Combine(_dir, "acl");
        File.WriteAllText(acl, "topic readwrite ssdstream/#\n");
        using var broker = new MosquittoBroker($"acl_file {acl}");
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await subscriber.StartAsync();
        var settings = new MqttSettings { Host = "127.0.0.1", Port = broker.Port, ClientId = "refusal-test", HomeAssistant = new MqttHomeAssistantSettings { Enabled = false } };
        using var outbox = new MqttOutbox(settings.OutboxSize);
        await using var connection = new MqttConnection(settings, MqttPresence.ForInstance(settings.ClientId, new MqttTopics(settings.TopicPrefix, "test")), outbox, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => connection.RunAsync(MqttEndpoint.Configured(settings), stop.Token));

        // A retained message the broker refuses, queued ahead of the others.
        outbox.Enqueue(new OutgoingMessage("homeassistant/sensor/x/config", MqttPayloads.Utf8("{}"), true, 1));
        for (int i = 0; i < 5; i++) outbox.Enqueue(new OutgoingMessage($"ssdstream/cam/n{i}", MqttPayloads.Utf8(i.ToString()), false, 1));

        await subscriber.WaitFor(m => Enumerable.Range(0, 5).All(i => m.Any(x => x.Topic == $"ssdstream/cam/n{i}")), TimeSpan.FromSeconds(15),
            $"the five allowed messages (refused so far: {connection.Refused})");
        // The refused one is dropped, not retried over and over.
        await Task.Delay(1000);
        Assert.Equal(1, connection.Refused);
        Assert.Equal(0, outbox.Count);
        Assert.True(connection.IsConnected);

        await stop.CancelAsync();
        await run;
    }
}
