using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Service.Tests;

/// <summary>The broker going away never stops detection: messages wait in the outbox and go out on reconnect.</summary>
public sealed class MqttOutboxTests
{
    private static FrameResult Result(long sequence) => new("cam", sequence, DateTimeOffset.UtcNow, 640, 480,
        [new PixelDetection("thing", 1, 0.9f, 10, 10, 100, 100, 0.01f, 0.02f, 0.15f, 0.2f)], DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(40), 1, "test");

    private static async Task<(List<long> Produced, List<long> Received, long Dropped)> RunOutage(int outboxSize)
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/cam/detections", persistent: true);
        await subscriber.StartAsync();
        var settings = new MqttSettings
        {
            Host = "127.0.0.1", Port = broker.Port, ClientId = "outbox-test", OutboxSize = outboxSize,
            HomeAssistant = new MqttHomeAssistantSettings { Enabled = false },
        };
        var topics = new MqttTopics(settings.TopicPrefix, "test");
        using var outbox = new MqttOutbox(settings.OutboxSize);
        await using var connection = new MqttConnection(settings, MqttPresence.ForInstance(settings.ClientId, topics), outbox, NullLogger.Instance,
            new ReconnectPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5)));
        var publisher = new MqttDetectionPublisher(settings, topics, outbox, ["thing"]);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => connection.RunAsync(MqttEndpoint.Configured(settings), stop.Token));

        var produced = new List<long>();
        long sequence = 0;
        async Task Produce(TimeSpan span)
        {
            var end = DateTime.UtcNow + span;
            while (DateTime.UtcNow < end)
            {
                publisher.OnResult(Result(++sequence));
                produced.Add(sequence);
                await Task.Delay(50);
            }
        }
        await Produce(TimeSpan.FromSeconds(1));
        await subscriber.WaitFor(m => m.Count >= produced.Count, TimeSpan.FromSeconds(10), "messages before the outage");
        broker.Stop();
        await Produce(TimeSpan.FromSeconds(3));   // frames keep being processed while the broker is away
        broker.Start();
        await Produce(TimeSpan.FromSeconds(1));
        // Once the outbox has drained, nothing more can be dropped.
        var drained = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((outbox.Count > 0 || !connection.IsConnected) && DateTime.UtcNow < drained) await Task.Delay(50);
        long dropped = outbox.Dropped;
        try
        {
            await subscriber.WaitFor(m => m.Select(x => x.Payload).Distinct().Count() >= produced.Count - dropped, TimeSpan.FromSeconds(20),
                $"every message that fitted the outbox ({produced.Count} produced, {dropped} dropped, sent {connection.Sent})");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}subscriber: {string.Join("; ", subscriber.Connections)}" +
                $"{Environment.NewLine}broker log:{Environment.NewLine}{broker.LogTail()}", e);
        }
        // The harness itself: the broker kept the subscriber's session across its restart (otherwise
        // messages sent before the subscriber re-subscribed would be lost by the broker, not by us).
        Assert.Contains(subscriber.Connections, c => c.EndsWith("session present: True", StringComparison.Ordinal));
        await stop.CancelAsync();
        await run;
        var received = subscriber.Payloads("ssdstream/cam/detections").Select(p => (long)JsonNode.Parse(p)!["sequence"]!).Distinct().Order().ToList();
        return (produced, received, dropped);
    }

    [Fact]
    public async Task BrokerRestart_EveryMessageOfTheOutageArrives_WhenItFits()
    {
        var (produced, received, dropped) = await RunOutage(outboxSize: 1000);
        Assert.Equal(0, dropped);
        Assert.Equal(produced, received);
    }

    [Fact]
    public async Task BrokerRestart_OverflowIsCounted_AndOnlyTheOldestAreLost()
    {
        var (produced, received, dropped) = await RunOutage(outboxSize: 10);
        Assert.True(dropped > 0, "a 3 s outage at 20 messages/s must overflow an outbox of 10");
        Assert.Equal(produced.Count - dropped, received.Count);
        // What was lost is a run of outage messages; the newest always arrive.
        Assert.Equal(produced[^1], received[^1]);
        Assert.Subset(produced.ToHashSet(), received.ToHashSet());
    }

    [Fact]
    public void DetectionsMessages_AreNumberedPerCameraWithoutGaps_WhileFrameNumbersHaveThem()
    {
        var settings = new MqttSettings { HomeAssistant = new MqttHomeAssistantSettings { Enabled = false } };
        using var outbox = new MqttOutbox(100);
        var publisher = new MqttDetectionPublisher(settings, new MqttTopics(settings.TopicPrefix, "test"), outbox, ["thing"]);
        // Frames without detections are not published: "sequence" (the frame) skips them, "message_sequence" does not.
        for (long frame = 1; frame <= 6; frame++)
        {
            var result = Result(frame);
            publisher.OnResult(frame % 2 == 0 ? result : result with { Detections = [] });
            publisher.OnResult(Result(frame) with { CameraId = "other" });
        }
        var messages = new List<(string Topic, JsonNode Json)>();
        while (outbox.Take() is { } m)
        {
            if (m.Topic.EndsWith("/detections", StringComparison.Ordinal)) messages.Add((m.Topic, JsonNode.Parse(m.Payload)!));
        }
        long[] Field(string topic, string field) => messages.Where(m => m.Topic == topic).Select(m => (long)m.Json[field]!).ToArray();
        Assert.Equal([2L, 4, 6], Field("ssdstream/cam/detections", "sequence"));
        Assert.Equal([1L, 2, 3], Field("ssdstream/cam/detections", "message_sequence"));
        Assert.Equal([1L, 2, 3, 4, 5, 6], Field("ssdstream/other/detections", "message_sequence"));
    }

    [Fact]
    public void Outbox_DropsTheOldest_AndResendsRetainedStateAfterReconnect()
    {
        var outbox = new MqttOutbox(2);
        outbox.Enqueue(new OutgoingMessage("a", [1], false, 1));
        outbox.Enqueue(new OutgoingMessage("b", [2], false, 1));
        Assert.False(outbox.Enqueue(new OutgoingMessage("c", [3], false, 1)));
        Assert.Equal(1, outbox.Dropped);
        outbox.SetRetained(new OutgoingMessage("state", [9], true, 1));
        Assert.Equal("state", outbox.Take()!.Topic);
        var b = outbox.Take()!;
        Assert.Equal("b", b.Topic);
        // A failed send puts the message back in front; an overflow then cannot count a message in flight.
        outbox.Failed(b);
        Assert.Equal(1, outbox.Dropped);
        Assert.Equal("b", outbox.Take()!.Topic);
        outbox.ResendRetained();
        Assert.Equal("state", outbox.Take()!.Topic);
        Assert.Equal("c", outbox.Take()!.Topic);
        Assert.Null(outbox.Take());

        // A send fails after the queue filled up behind it: the failed message is the oldest, so it is the one lost.
        outbox.Enqueue(new OutgoingMessage("d", [4], false, 1));
        var d = outbox.Take()!;
        outbox.Enqueue(new OutgoingMessage("e", [5], false, 1));
        outbox.Enqueue(new OutgoingMessage("f", [6], false, 1));
        outbox.Failed(d);
        Assert.Equal(2, outbox.Dropped);
        Assert.Equal("e", outbox.Take()!.Topic);
        Assert.Equal("f", outbox.Take()!.Topic);
        Assert.Null(outbox.Take());
    }
}
