using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MQTTnet;
using MQTTnet.Protocol;
using SsdStream.Pipeline.Tests;

namespace SsdStream.Service.Tests;

/// <summary>
/// One site, several daemons, as README's "One site, several machines" sets them up: a real mosquitto, a
/// real PostgreSQL history, daemons with their own instance names and cameras, and consumers on the broker.
/// </summary>
public sealed partial class SiteTests(PostgresTestServer postgres) : IDisposable, IClassFixture<PostgresTestServer>
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-site-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);

    /// <summary>A daemon of the site: the demo model, synthetic cameras (name, seed), its instance name and default client id, the shared history.</summary>
    private JsonObject Daemon(int brokerPort, string instance, string schema, params (string Name, int Seed)[] cameras)
    {
        var config = DaemonProcess.Configuration(Path.Combine(AppContext.BaseDirectory, "models", "demo", "demo.ssdm"), brokerPort);
        var s = config["SsdStream"]!;
        s["Instance"]!["Name"] = instance;
        s["Mqtt"]!.AsObject().Remove("ClientId"); // the default: ssdstream-<instance>
        s["Model"]!["ScoreThreshold"] = 0.05;
        s["Model"]!["MaxDetections"] = 100;
        s["Cameras"] = new JsonArray(cameras.Select(c => (JsonNode)new JsonObject
        {
            ["Name"] = c.Name,
            ["Type"] = "synthetic",
            ["Synthetic"] = new JsonObject { ["Fps"] = 5, ["Seed"] = c.Seed },
        }).ToArray());
        s["Events"] = new JsonObject { ["ConnectionString"] = postgres.ConnectionString(schema) };
        return config;
    }

    private static JsonNode Json(string payload) => JsonNode.Parse(payload)!;

    [GeneratedRegex(@"New client connected from \S+ as (\S+) ")]
    private static partial Regex Connected();

    [Fact]
    public async Task TwoDaemonsOnOneBrokerAndHistory_NoTakeover_CameraOwnedElsewhereRefused_SharedSubscriptionSplitsEvents_KillTurnsOnlyItsOwnOffline()
    {
        using var broker = new MosquittoBroker();
        await using var everything = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await using var discovery = new MqttTestSubscriber(broker.Port, "homeassistant/#");
        // Two consumers of one MQTT 5 shared subscription: each event goes to one of them.
        await using var consumer1 = new MqttTestSubscriber(broker.Port, "$share/consumers/ssdstream/events");
        await using var consumer2 = new MqttTestSubscriber(broker.Port, "$share/consumers/ssdstream/events");
        foreach (var s in new[] { everything, discovery, consumer1, consumer2 }) await s.StartAsync();
        var schema = postgres.CreateSchema();

        // North runs the door camera.
        using var north = new DaemonProcess(Directory.CreateDirectory(Path.Combine(_dir, "north")).FullName);
        north.Start(Daemon(broker.Port, "north", schema, ("door", 3)));
        await everything.WaitFor(m => m.Any(x => x.Topic == "ssdstream/door/status" && (string?)Json(x.Payload)["state"] == "streaming"), Start, "north's door streaming");

        // South is configured with the yard and, by mistake, the door: it refuses the door and runs the yard.
        using var south = new DaemonProcess(Directory.CreateDirectory(Path.Combine(_dir, "south")).FullName);
        south.Start(Daemon(broker.Port, "south", schema, ("yard", 5), ("door", 3)));
        await everything.WaitFor(m => m.Any(x => x.Topic == "ssdstream/yard/status" && (string?)Json(x.Payload)["state"] == "streaming"), Start, "south's yard streaming");
        Assert.Contains("camera 'door' belongs to instance 'north' (online on the broker); instance 'south' refuses it and runs its other cameras without it", south.Output);
        Assert.Contains("SsdStream:Cameras:1:Name", south.Output);

        // Both instances' detections and events reach one consumer of ssdstream/#.
        await everything.WaitFor(m => new[] { "door", "yard" }.All(c => m.Any(x => x.Topic == "ssdstream/events" && (string?)Json(x.Payload)["after"]!["camera"] == c)),
            Start, "events of both cameras");
        await Task.Delay(TimeSpan.FromSeconds(2)); // the events store writes in batches of up to half a second
        Assert.Contains(everything.Messages, m => m.Topic == "ssdstream/door/detections");
        Assert.Contains(everything.Messages, m => m.Topic == "ssdstream/yard/detections");
        Assert.Equal(["online"], everything.Payloads("ssdstream/north/available"));
        Assert.Equal(["online"], everything.Payloads("ssdstream/south/available"));

        // North dies: its availability and its camera's status turn offline (the broker's last wills); south stays online.
        north.Signal("KILL");
        north.WaitForExit(TimeSpan.FromSeconds(10));
        await everything.WaitFor(m => m.LastOrDefault(x => x.Topic == "ssdstream/north/available").Payload == "offline"
            && m.LastOrDefault(x => x.Topic == "ssdstream/door/status").Payload is { } door && (string?)Json(door)["state"] == "offline",
            TimeSpan.FromSeconds(15), "north offline, and its door");
        var doorLost = Json(everything.Payloads("ssdstream/door/status").Last());
        Assert.Equal("north", (string?)doorLost["instance"]);
        await Task.Delay(TimeSpan.FromSeconds(2)); // time for a wrong offline of south to show
        Assert.Equal(["online"], everything.Payloads("ssdstream/south/available"));
        var yard = Json(everything.Payloads("ssdstream/yard/status").Last());
        Assert.Equal(("streaming", "south"), ((string?)yard["state"], (string?)yard["instance"]));
        // Every status of the door came from north: south never published the camera it refused.
        Assert.All(everything.Payloads("ssdstream/door/status"), p => Assert.Equal("north", (string?)Json(p)["instance"]));

        south.Signal("TERM");
        Assert.True(south.WaitForExit(TimeSpan.FromSeconds(30)) == 0, south.Output);
        await everything.WaitFor(m => m.LastOrDefault(x => x.Topic == "ssdstream/south/available").Payload == "stopped"
            && m.LastOrDefault(x => x.Topic == "ssdstream/yard/status").Payload is { } last && (string?)Json(last)["state"] == "stopped",
            TimeSpan.FromSeconds(10), "south stopped, and its yard");

        // No connection was taken over: each client id connected once (the instance's, each camera's, the start's look at the site).
        var log = broker.Log();
        Assert.DoesNotContain("already connected", log);
        var ids = Connected().Matches(log).Select(m => m.Groups[1].Value).Where(id => id.StartsWith("ssdstream-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["ssdstream-north", "ssdstream-north-check", "ssdstream-north-door", "ssdstream-south", "ssdstream-south-check", "ssdstream-south-yard"], ids.Order(StringComparer.Ordinal));

        // The shared subscription: each consumer got some of the events, together all of them, none twice.
        var all = everything.Payloads("ssdstream/events").Order(StringComparer.Ordinal).ToList();
        await consumer1.WaitFor(_ => consumer1.Messages.Count + consumer2.Messages.Count >= all.Count, TimeSpan.FromSeconds(10), "the shared subscription to catch up");
        var part1 = consumer1.Messages.Select(m => m.Payload).ToList();
        var part2 = consumer2.Messages.Select(m => m.Payload).ToList();
        Assert.True(all.Count >= 2, $"only {all.Count} events");
        Assert.NotEmpty(part1);
        Assert.NotEmpty(part2);
        Assert.Equal(all, part1.Concat(part2).Order(StringComparer.Ordinal).ToList());

        // Home Assistant: each entity bound to its instance's availability, unique ids unique across instances.
        var configs = discovery.Messages.Where(m => m.Topic.EndsWith("/config", StringComparison.Ordinal) && m.Payload.Length > 0)
            .GroupBy(m => m.Topic).Select(g => Json(g.Last().Payload)).ToList();
        Assert.Equal(configs.Count, configs.Select(c => (string?)c["unique_id"]).Distinct().Count());
        foreach (var config in configs)
        {
            var camera = ((string)config["state_topic"]!).Split('/')[1];
            var instance = camera == "door" ? "north" : "south";
            Assert.Equal($"ssdstream/{instance}/available", (string?)config["availability"]![0]!["topic"]);
        }
        Assert.Contains(configs, c => ((string)c["state_topic"]!).StartsWith("ssdstream/door/", StringComparison.Ordinal));
        Assert.Contains(configs, c => ((string)c["state_topic"]!).StartsWith("ssdstream/yard/", StringComparison.Ordinal));

        // One history: `ssdstream events` (south's configuration names the server) lists both instances' events.
        var (code, lines) = CommandLineTests.Ssdstream(south.Root, "events", "--json", "--limit", "1000");
        Assert.True(code == 0, lines);
        var stored = lines.Split('\n').Select(Json).ToList();
        Assert.Equal(["north", "south"], stored.Select(e => (string)e["instance"]!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(stored, e => Assert.Equal((string)e["instance"]! == "north" ? "door" : "yard", (string?)e["camera"]));
        (code, var table) = CommandLineTests.Ssdstream(south.Root, "events", "--instance", "north");
        Assert.True(code == 0, table);
        Assert.StartsWith("ID", table);
        Assert.All(table.Split('\n').Skip(1), row => Assert.Contains(" north ", row));

        // The password in the connection string never reached a log line.
        foreach (var output in new[] { north.Output, south.Output, lines, table }) Assert.DoesNotContain(postgres.Password, output);
    }

    [Fact]
    public async Task CamerasHeldByARunningInstanceAreRefused_FreedOnesTaken_AndWithNoneLeftTheStartIsAConfigurationError()
    {
        using var broker = new MosquittoBroker();
        // The broker's retained state: "elsewhere" runs cam1; "gone" ran cam2 and stopped cleanly; this
        // instance once ran old-cam, which its configuration no longer has.
        using (var client = new MqttClientFactory().CreateMqttClient())
        {
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).Build());
            foreach (var (topic, payload) in new[]
            {
                ("ssdstream/cam1/status", """{"state":"streaming","instance":"elsewhere"}"""), ("ssdstream/elsewhere/available", "online"),
                ("ssdstream/cam2/status", """{"state":"stopped","instance":"gone"}"""), ("ssdstream/gone/available", "stopped"),
                ("ssdstream/old-cam/status", $$"""{"state":"stopped","instance":"{{DaemonProcess.Instance}}"}"""),
            })
            {
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag()
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            }
            await client.DisconnectAsync();
        }
        var model = DaemonProcess.WriteRandomModel(_dir);
        JsonObject Config(params string[] cameras)
        {
            var config = DaemonProcess.Configuration(model, broker.Port);
            config["SsdStream"]!["Cameras"] = new JsonArray(cameras.Select(c => (JsonNode)new JsonObject
            {
                ["Name"] = c, ["Type"] = "synthetic", ["Synthetic"] = new JsonObject { ["Width"] = 320, ["Height"] = 240, ["Fps"] = 5 },
            }).ToArray());
            return config;
        }

        using (var daemon = new DaemonProcess(_dir))
        {
            daemon.Start(Config("cam1"));
            Assert.Equal(78, daemon.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.Contains($"camera 'cam1' belongs to instance 'elsewhere' (online on the broker); instance '{DaemonProcess.Instance}' refuses it", daemon.Output);
            Assert.Contains($"every camera of instance '{DaemonProcess.Instance}' belongs to another instance; nothing to run", daemon.Output);
            Assert.DoesNotContain("   at ", daemon.Output);
        }

        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await subscriber.StartAsync();
        using (var daemon = new DaemonProcess(_dir))
        {
            daemon.Start(Config("cam1", "cam2"));
            await subscriber.WaitFor(m => m.Any(x => x.Topic == "ssdstream/cam2/status" && (string?)Json(x.Payload)["state"] == "streaming"), Start, "cam2 streaming");
            await subscriber.WaitFor(m => m.Any(x => x.Topic == "ssdstream/stats"), Start, "the stats");
            daemon.Signal("TERM");
            Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)) == 0, daemon.Output);
        }
        Assert.Equal(DaemonProcess.Instance, (string?)Json(subscriber.Payloads("ssdstream/cam2/status").Last())["instance"]);
        Assert.Equal(["cam2"], Json(subscriber.Payloads("ssdstream/stats").Last())["cameras"]!.AsObject().Select(c => c.Key));
        Assert.All(subscriber.Payloads("ssdstream/cam1/status"), p => Assert.Equal("elsewhere", (string?)Json(p)["instance"]));
        // The status of the camera this instance gave up was cleared on its first start.
        Assert.DoesNotContain(subscriber.Messages, m => m.Topic == "ssdstream/old-cam/status");
    }

    [Fact]
    public void AHistoryServerThatRefusesTheCredentials_IsAConfigurationError_NamingTheKeyButNeverThePassword()
    {
        const string wrong = "wrong-password-5be1";
        var config = DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), DaemonMqttTests.FreePort(), embedded: true);
        config["SsdStream"]!["Events"] = new JsonObject { ["ConnectionString"] = postgres.ConnectionString(postgres.CreateSchema(), wrong) };
        using (var daemon = new DaemonProcess(_dir))
        {
            daemon.Start(config);
            Assert.Equal(78, daemon.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.Contains($"configuration error: SsdStream:Events:ConnectionString: events database postgresql://{PostgresTestServer.User}@127.0.0.1:{postgres.Port}/{PostgresTestServer.Database}: 28P01: password authentication failed", daemon.Output);
            Assert.DoesNotContain(wrong, daemon.Output);
        }
        var (code, output) = CommandLineTests.Ssdstream(_dir, "events");
        Assert.Equal(78, code);
        Assert.StartsWith("error: events database postgresql://", output);
        Assert.DoesNotContain(wrong, output);
    }
}
