using System.Text.Json.Nodes;
using Json.Schema;

namespace SsdStream.Service.Tests;

/// <summary>
/// Tracked objects as users subscribe to them: the demo configuration recording in events mode, a real
/// mosquitto, two minutes of events, their snapshots and clips.
/// </summary>
public sealed class DaemonEventsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-events-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task OverTwoMinutesOfTheDemo_EventsFollowTheLifecycle_WithSnapshotsAndClips_AndCountsFollowTheObjects()
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
        s["Recording"] = new JsonObject { ["Enabled"] = true, ["Directory"] = "rec", ["Mode"] = "events", ["PreRollSeconds"] = 2, ["PostRollSeconds"] = 2 };
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(config);
        await subscriber.WaitFor(m => m.Any(x => x.Topic == "ssdstream/demo/detections"), TimeSpan.FromSeconds(60), "the first detections");
        await Task.Delay(TimeSpan.FromSeconds(120));
        daemon.Signal("TERM");
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)) == 0, daemon.Output);
        await subscriber.WaitFor(m => m.LastOrDefault(x => x.Topic == DaemonProcess.Available).Payload == "stopped", TimeSpan.FromSeconds(10), "available = stopped");

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

        // Every ended object has its snapshot: two JPEGs that decode, the box drawn where the event says it was.
        var endEvents = events.Select(e => JsonNode.Parse(e.Payload)!).Where(e => (string)e["type"]! == "end").ToList();
        foreach (var end in endEvents)
        {
            var after = end["after"]!;
            var id = (string)after["id"]!;
            Assert.True((bool)after["has_snapshot"]!, $"{id} has no snapshot");
            Assert.True((bool)after["has_clip"]!, $"{id} has no clip");
            var folder = Path.Combine(_dir, "rec", "demo", "snapshots");
            using var drawn = OpenCvSharp.Cv2.ImRead(Path.Combine(folder, id + ".jpg"));
            using var clean = OpenCvSharp.Cv2.ImRead(Path.Combine(folder, id + "-clean.jpg"));
            Assert.False(drawn.Empty() || clean.Empty(), $"{id}: a snapshot does not decode");
            var box = after["snapshot"]!["box"]!.AsArray().Select(v => (double)v!).ToArray();
            Assert.True(DrawnAround(drawn, clean, box), $"{id}: no box drawn at [{string.Join(", ", box)}]");
        }
        Assert.NotEmpty(endEvents);

        // Each ended object's clip: the recordings that name it decode and cover its span (pre- and post-roll included).
        var segments = subscriber.Messages.Where(m => m.Topic == "ssdstream/demo/recordings").Select(m => JsonNode.Parse(m.Payload)!).ToList();
        foreach (var end in endEvents)
        {
            var id = (string)end["after"]!["id"]!;
            var holding = segments.Where(g => g["events"]!.AsArray().Any(e => (string?)e == id)).ToList();
            Assert.True(holding.Count > 0, $"{id}: no recording names it");
            var from = holding.Min(g => DateTimeOffset.Parse((string)g["start"]!, System.Globalization.CultureInfo.InvariantCulture)).ToUnixTimeMilliseconds() / 1000.0;
            var to = holding.Max(g => DateTimeOffset.Parse((string)g["end"]!, System.Globalization.CultureInfo.InvariantCulture)).ToUnixTimeMilliseconds() / 1000.0;
            Assert.True(from <= (double)end["after"]!["start_time"]! + 0.2 && to >= (double)end["after"]!["end_time"]! - 0.2,
                $"{id} [{end["after"]!["start_time"]}, {end["after"]!["end_time"]}] outside its recordings [{from}, {to}]");
        }
        foreach (var path in segments.Select(g => (string)g["path"]!).Distinct())
        {
            var (frames, errors) = DaemonRecordingTests.DecodeToEnd(path);
            Assert.True(errors.Length == 0 && frames > 0, $"{path}: {frames} frames, {errors}");
        }

        // Every ended object is in the events store with the fields MQTT carried, and its clip's paths.
        using (var store = SsdStream.Pipeline.Events.SqliteEventStore.Open(Path.Combine(_dir, "rec", "events.db")))
        {
            foreach (var end in endEvents)
            {
                var after = end["after"]!.AsObject();
                var stored = await store.GetAsync((string)after["id"]!);
                Assert.NotNull(stored);
                var json = JsonNode.Parse(stored!.ToJson())!.AsObject();
                foreach (var (key, value) in after)
                    Assert.True(JsonNode.DeepEquals(value, json[key]), $"{after["id"]}: {key} is {json[key]?.ToJsonString()} in the store, {value?.ToJsonString()} on MQTT");
                Assert.True(stored.Media.Clip != null || stored.Media.Segments.Count > 0, $"{after["id"]}: no clip in the store");
                Assert.True(File.Exists(stored.Media.Snapshot), $"{after["id"]}: snapshot file missing");
            }
        }

        // The retained snapshot topic holds a JPEG that decodes.
        var snapshot = subscriber.RawPayloads.Where(m => m.Topic.StartsWith("ssdstream/demo/", StringComparison.Ordinal) && m.Topic.EndsWith("/snapshot", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(snapshot);
        using (var decoded = OpenCvSharp.Cv2.ImDecode(snapshot[^1].Payload, OpenCvSharp.ImreadModes.Color)) Assert.False(decoded.Empty());

        // Detections name their object; counts of the camera and of the zone are retained and end at zero.
        Assert.Contains(subscriber.Payloads("ssdstream/demo/detections"), p => JsonNode.Parse(p)!["detections"]!.AsArray().Any(d => d!["track_id"] is not null && started.Contains((string)d["track_id"]!)));
        var zoneCounts = subscriber.Messages.Where(m => m.Topic.StartsWith("ssdstream/left/", StringComparison.Ordinal)).ToList();
        Assert.Contains(zoneCounts, m => m.Payload != "0");
        Assert.All(zoneCounts.GroupBy(m => m.Topic), g => Assert.Equal("0", g.Last().Payload));
        Assert.All(subscriber.Messages.Where(m => m.Topic.StartsWith("ssdstream/demo/", StringComparison.Ordinal) && m.Topic.Count(c => c == '/') == 2
            && !m.Topic.EndsWith("/detections", StringComparison.Ordinal) && !m.Topic.EndsWith("/status", StringComparison.Ordinal)
            && !m.Topic.EndsWith("/recordings", StringComparison.Ordinal)).GroupBy(m => m.Topic),
            g => Assert.Equal("0", g.Last().Payload));
    }

    [Fact]
    public async Task KilledDuringAnEvent_TheNextStartLeavesOnlyFilesThatDecode()
    {
        int port = DaemonMqttTests.FreePort();
        var config = DaemonProcess.Configuration(Path.Combine(AppContext.BaseDirectory, "models", "demo", "demo.ssdm"), port, embedded: true);
        var s = config["SsdStream"]!;
        s["Model"]!["ScoreThreshold"] = 0.05;
        s["Model"]!["Threads"] = 2;
        s["Cameras"] = new JsonArray(new JsonObject { ["Name"] = "demo", ["Type"] = "synthetic" });
        s["Recording"] = new JsonObject { ["Enabled"] = true, ["Directory"] = "rec", ["Mode"] = "events", ["PreRollSeconds"] = 1, ["PostRollSeconds"] = 1 };
        var rec = Path.Combine(_dir, "rec", "demo");

        var open = new List<string>();
        using (var first = new DaemonProcess(_dir))
        {
            first.Start(config);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!first.Output.Contains("embedded broker", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
            await using var subscriber = new MqttTestSubscriber(port, "ssdstream/events");
            await subscriber.StartAsync();
            // Kill while an object confirmed at least 1.5 s ago (its new event stored by then) is still there, and a clip is being written.
            var seen = new Dictionary<string, DateTime>();
            while (DateTime.UtcNow < deadline)
            {
                var events = subscriber.Messages.Select(m => JsonNode.Parse(m.Payload)!).ToList();
                foreach (var e in events.Where(e => (string)e["type"]! == "new")) seen.TryAdd((string)e["after"]!["id"]!, DateTime.UtcNow);
                var ended = events.Where(e => (string)e["type"]! == "end").Select(e => (string)e["after"]!["id"]!).ToHashSet();
                var ready = seen.Where(p => !ended.Contains(p.Key) && DateTime.UtcNow - p.Value > TimeSpan.FromSeconds(1.5)).Select(p => p.Key).ToList();
                if (ready.Count > 0 && Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories).Length > 0)
                {
                    first.Signal("KILL");
                    open.AddRange(ready);
                    break;
                }
                await Task.Delay(100);
            }
            first.WaitForExit(TimeSpan.FromSeconds(10));
        }
        Assert.NotEmpty(open);
        Assert.NotEmpty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories)); // the kill cut a clip short

        using (var second = new DaemonProcess(_dir))
        {
            second.Start(config);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!second.Output.Contains("streaming", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
            await Task.Delay(TimeSpan.FromSeconds(3));
            second.Signal("TERM");
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(30)) == 0, second.Output);
            Assert.Contains("unfinished recording or snapshot file", second.Output);
        }
        Assert.Empty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories));
        // The store opens, and the events the kill left open are closed at the last time their object was seen.
        using (var store = SsdStream.Pipeline.Events.SqliteEventStore.Open(Path.Combine(_dir, "rec", "events.db")))
        {
            foreach (var id in open)
            {
                var stored = await store.GetAsync(id);
                Assert.NotNull(stored);
                Assert.Equal(stored!.Object.FrameTime, stored.EndTime);
            }
        }
        foreach (var jpeg in Directory.GetFiles(rec, "*.jpg", SearchOption.AllDirectories))
        {
            using var image = OpenCvSharp.Cv2.ImRead(jpeg);
            Assert.False(image.Empty(), $"{jpeg} does not decode");
        }
        foreach (var video in Directory.GetFiles(rec, "*.mp4", SearchOption.AllDirectories))
        {
            var (frames, errors) = DaemonRecordingTests.DecodeToEnd(video);
            Assert.True(errors.Length == 0 && frames > 0, $"{video}: {frames} frames, {errors}");
        }
    }

    /// <summary>Whether the annotated snapshot differs from the clean one along each side of <paramref name="box"/> (a drawn outline).</summary>
    private static bool DrawnAround(OpenCvSharp.Mat drawn, OpenCvSharp.Mat clean, double[] box)
    {
        int x1 = (int)box[0], y1 = (int)box[1], x2 = (int)box[2] - 1, y2 = (int)box[3] - 1;
        (int X, int Y)[] sides = [(x1, (y1 + y2) / 2), (x2, (y1 + y2) / 2), ((x1 + x2) / 2, y2)];
        return sides.All(p => Enumerable.Range(-3, 7).Any(d =>
        {
            int x = Math.Clamp(p.X + (p.Y == y2 ? 0 : d), 0, drawn.Width - 1), y = Math.Clamp(p.Y + (p.Y == y2 ? d : 0), 0, drawn.Height - 1);
            var a = drawn.At<OpenCvSharp.Vec3b>(y, x);
            var b = clean.At<OpenCvSharp.Vec3b>(y, x);
            return Math.Abs(a.Item0 - b.Item0) + Math.Abs(a.Item1 - b.Item1) + Math.Abs(a.Item2 - b.Item2) > 60;
        }));
    }
}
