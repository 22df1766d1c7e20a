using System.Text.Json.Nodes;
using Json.Schema;

namespace SsdStream.Service.Tests;

/// <summary>Tracked objects as users subscribe to them: the demo configuration, a real mosquitto, 60 s of events.</summary>
public sealed class DaemonEventsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-events-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task OverAMinuteOfTheDemo_EventsFollowTheLifecycle_ValidateAgainstTheSchema_AndCountsFollowTheObjects()
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await subscriber.StartAsync();
        var config = DaemonProcess.Configuration(Path.Combine(AppContext.BaseDirectory, "models", "demo", "demo.ssdm"), broker.Port);
        var s = config["SsdStream"]!;
        s["Model"]!["ScoreThreshold"] = 0.05;
        s["Model"]!["MaxDetections"] = 200;
        s["Model"]!["Threads"] = 2;
        // The shipped demo camera, with a zone on the left half of the frame.
        s["Cameras"] = new JsonArray(new JsonObject
        {
            ["Name"] = "demo",
            ["Type"] = "synthetic",
            ["Zones"] = new JsonArray(new JsonObject { ["Name"] = "left", ["Points"] = new JsonArray(0, 0, 0.5, 0, 0.5, 1, 0, 1) }),
        });
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(config);
        await subscriber.WaitFor(m => m.Any(x => x.Topic == "ssdstream/demo/detections"), TimeSpan.FromSeconds(60), "the first detections");
        await Task.Delay(TimeSpan.FromSeconds(60));
        daemon.Signal("TERM");
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)) == 0, daemon.Output);
        await subscriber.WaitFor(m => m.LastOrDefault(x => x.Topic == "ssdstream/available").Payload == "stopped", TimeSpan.FromSeconds(10), "available = stopped");

        var schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "schemas", "events.schema.json"));
        var events = subscriber.Messages.Where(m => m.Topic == "ssdstream/events").ToList();
        Assert.All(events, e => Assert.False(e.Retained));
        var started = new HashSet<string>();
        var ended = new HashSet<string>();
        var types = new HashSet<string>();
        foreach (var (_, payload, _) in events)
        {
            using (var document = System.Text.Json.JsonDocument.Parse(payload))
            {
                var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
                Assert.True(result.IsValid, $"{payload}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors != null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}");
            }
            var json = JsonNode.Parse(payload)!;
            var type = (string)json["type"]!;
            var id = (string)json["after"]!["id"]!;
            Assert.Equal(id, (string)json["before"]!["id"]!);
            Assert.Equal("demo", (string)json["after"]!["camera"]!);
            types.Add(type);
            switch (type)
            {
                case "new":
                    Assert.True(started.Add(id), $"{id} got a second new");
                    break;
                case "update":
                    Assert.True(started.Contains(id) && !ended.Contains(id), $"update of {id} outside new..end");
                    break;
                case "end":
                    Assert.True(started.Contains(id) && ended.Add(id), $"end of {id} without new, or twice");
                    Assert.NotNull(json["after"]!["end_time"]);
                    break;
            }
        }
        Assert.Equal(["end", "new", "update"], types.Order());
        // Every object ended by the time the daemon said stopped.
        Assert.Equal(started.Count, ended.Count);
        Assert.Contains(events, e => JsonNode.Parse(e.Payload)!["after"]!["entered_zones"]!.AsArray().Any(z => (string?)z == "left"));

        // Detections name their object; counts of the camera and of the zone are retained and end at zero.
        Assert.Contains(subscriber.Payloads("ssdstream/demo/detections"), p => JsonNode.Parse(p)!["detections"]!.AsArray().Any(d => d!["track_id"] is not null && started.Contains((string)d["track_id"]!)));
        var zoneCounts = subscriber.Messages.Where(m => m.Topic.StartsWith("ssdstream/left/", StringComparison.Ordinal)).ToList();
        Assert.Contains(zoneCounts, m => m.Payload != "0");
        Assert.All(zoneCounts.GroupBy(m => m.Topic), g => Assert.Equal("0", g.Last().Payload));
        Assert.All(subscriber.Messages.Where(m => m.Topic.StartsWith("ssdstream/demo/", StringComparison.Ordinal) && m.Topic.Count(c => c == '/') == 2
            && !m.Topic.EndsWith("/detections", StringComparison.Ordinal) && !m.Topic.EndsWith("/status", StringComparison.Ordinal)).GroupBy(m => m.Topic),
            g => Assert.Equal("0", g.Last().Payload));
    }
}
