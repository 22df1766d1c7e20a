using System.Diagnostics;
using System.Text.Json.Nodes;
using Json.Schema;

namespace SsdStream.Service.Tests;

/// <summary>The daemon as users meet it: a process speaking MQTT to a real mosquitto.</summary>
public sealed class DaemonMqttTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-daemon-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Detections_ValidateAgainstTheSchema_ExpireForASubscriberThatIsAway_AvailableIsOnlineThenStoppedAfterSigterm()
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await subscriber.StartAsync();
        // A consumer with a persistent session (MQTT 5, QoS 1) that goes away for a while.
        var awayId = "away-" + Guid.NewGuid().ToString("N")[..8];
        await using (var away = new MqttTestSubscriber(broker.Port, "ssdstream/cam1/detections", persistent: true, clientId: awayId))
        {
            await away.StartAsync();
        }
        using var daemon = new DaemonProcess(_dir);
        var config = DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), broker.Port);
        config["SsdStream"]!["Mqtt"]!["DetectionExpirySeconds"] = 1;
        daemon.Start(config);

        await subscriber.WaitFor(m => m.Count(x => x.Topic == "ssdstream/cam1/detections") >= 3, Start, "three detection messages");
        // The process we started runs with one malloc arena and sleeping OpenMP threads: it re-executed
        // itself in place (same PID), so the inference thread's large batches stay in the heap and idle
        // torch threads leave the cores to the decoders.
        Assert.Contains("MALLOC_ARENA_MAX=1", daemon.CurrentEnvironment());
        Assert.Contains("OMP_WAIT_POLICY=PASSIVE", daemon.CurrentEnvironment());
        var schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "schemas", "detections.schema.json"));
        foreach (var payload in subscriber.Payloads("ssdstream/cam1/detections"))
        {
            using var document = System.Text.Json.JsonDocument.Parse(payload);
            var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{payload}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors != null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}");
            var json = JsonNode.Parse(payload)!;
            Assert.Equal("cam1", (string?)json["camera"]);
            Assert.Equal(320, (int)json["width"]!);
        }
        // The schema rejects what breaks the contract: a missing field, a box with three numbers.
        using (var broken = System.Text.Json.JsonDocument.Parse("""{"camera":"cam1","sequence":1,"capture_time":"2026-01-01T00:00:00.000Z","width":1,"height":1,"model":"m","detections":[{"label":"a","class_id":1,"score":0.5,"box":[1,2,3],"box_normalized":[0,0,1,1]}]}"""))
        {
            Assert.False(schema.Evaluate(broken.RootElement).IsValid);
        }
        Assert.Equal("online", subscriber.Payloads(DaemonProcess.Available).Last());
        var status = JsonNode.Parse(subscriber.Payloads("ssdstream/cam1/status").Last())!;
        Assert.Equal("streaming", (string?)status["state"]);
        Assert.Equal(DaemonProcess.Instance, (string?)status["instance"]);
        await subscriber.WaitFor(m => m.Any(x => x.Topic == "ssdstream/stats"), TimeSpan.FromSeconds(10), "stats");
        var stats = JsonNode.Parse(subscriber.Payloads("ssdstream/stats").Last())!;
        Assert.True((double)stats["cameras"]!["cam1"]!["fps"]! >= 0);
        Assert.Equal(DaemonProcess.Instance, (string?)stats["instance"]);

        // The consumer comes back after seconds of detections queued for it: the broker has dropped those
        // older than their expiry (1 s) instead of delivering stale frames.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var back = DateTimeOffset.UtcNow;
        await using (var returned = new MqttTestSubscriber(broker.Port, "ssdstream/cam1/detections", persistent: true, clientId: awayId))
        {
            await returned.StartAsync();
            await returned.WaitFor(m => m.Count >= 3, TimeSpan.FromSeconds(30), "detections after coming back");
            Assert.Contains("session present: True", returned.Connections.First());
            var times = returned.Messages.Select(m => DateTimeOffset.Parse((string)JsonNode.Parse(m.Payload)!["capture_time"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.True(times.All(t => t > back - TimeSpan.FromSeconds(2.5)), $"stale detections delivered at {back:HH:mm:ss.fff}: {string.Join(", ", times.Select(t => t.ToString("HH:mm:ss.fff")))}");
        }

        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromSeconds(20)));
        await subscriber.WaitFor(m => m.LastOrDefault(x => x.Topic == DaemonProcess.Available).Payload == "stopped", TimeSpan.FromSeconds(5), "available = stopped");
        var camStatus = JsonNode.Parse(subscriber.Payloads("ssdstream/cam1/status").Last())!;
        Assert.Equal("stopped", (string?)camStatus["state"]);
        Assert.Contains("stopped cleanly", daemon.Output);
    }

    [Fact]
    public async Task KilledWithSigkill_BrokerPublishesTheOfflineLastWill()
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, DaemonProcess.Available);
        await subscriber.StartAsync();
        using var daemon = new DaemonProcess(_dir);
        daemon.Environment["MALLOC_ARENA_MAX"] = "2";
        daemon.Environment["OMP_WAIT_POLICY"] = "ACTIVE";
        daemon.Start(DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), broker.Port));
        await subscriber.WaitFor(m => m.Any(x => x.Payload == "online"), Start, "available = online");
        // A value the user set is kept.
        Assert.Contains("MALLOC_ARENA_MAX=2", daemon.CurrentEnvironment());
        Assert.DoesNotContain("MALLOC_ARENA_MAX=1", daemon.CurrentEnvironment());
        Assert.Contains("OMP_WAIT_POLICY=ACTIVE", daemon.CurrentEnvironment());
        Assert.DoesNotContain("OMP_WAIT_POLICY=PASSIVE", daemon.CurrentEnvironment());

        daemon.Signal("KILL");
        daemon.WaitForExit(TimeSpan.FromSeconds(10));
        await subscriber.WaitFor(m => m.LastOrDefault().Payload == "offline", TimeSpan.FromSeconds(15), "available = offline (last will)");
    }

    [Fact]
    public async Task HomeAssistantDiscovery_ConfigsAreJsonWithUniqueIdStateTopicAndAvailability()
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "homeassistant/#");
        await subscriber.StartAsync();
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), broker.Port));
        // 6 labels x (count sensor + presence binary sensor) + 1 status sensor.
        await subscriber.WaitFor(m => m.Count(x => x.Topic.EndsWith("/config", StringComparison.Ordinal)) >= 13, Start, "13 discovery configs");
        daemon.Signal("TERM");
        daemon.WaitForExit(TimeSpan.FromSeconds(20));

        var configs = subscriber.Messages.Where(m => m.Topic.EndsWith("/config", StringComparison.Ordinal)).GroupBy(m => m.Topic).Select(g => g.Last()).ToList();
        Assert.Equal(13, configs.Count);
        var ids = new HashSet<string>();
        foreach (var (topic, payload, retained) in configs)
        {
            Assert.True(retained || true);
            var json = JsonNode.Parse(payload)!.AsObject();
            var id = (string?)json["unique_id"];
            Assert.False(string.IsNullOrEmpty(id), topic);
            Assert.True(ids.Add(id!), $"unique_id {id} repeats");
            Assert.StartsWith("ssdstream/cam1/", (string?)json["state_topic"]);
            var availability = json["availability"]!.AsArray().Single()!;
            Assert.Equal(DaemonProcess.Available, (string?)availability["topic"]);
            Assert.Equal("online", (string?)availability["payload_available"]);
        }
        Assert.Contains(configs, c => c.Topic.StartsWith("homeassistant/binary_sensor/", StringComparison.Ordinal) && c.Topic.Contains("circle", StringComparison.Ordinal));
        Assert.Contains(configs, c => c.Topic.StartsWith("homeassistant/sensor/", StringComparison.Ordinal) && c.Topic.Contains("cam1_status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoBrokerConfigured_EmbeddedBrokerServesTheDetections()
    {
        int port = FreePort();
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), port, embedded: true));
        var deadline = DateTime.UtcNow + Start;
        while (!daemon.Output.Contains("embedded broker", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Contains($"mosquitto_sub -h 127.0.0.1 -p {port}", daemon.Output);
        // The real mosquitto_sub, without -i, in MQTT 3.1.1 and in MQTT 5: a 3.1.1 client sends an empty
        // client id with a clean session, and the broker must assign one; a 5 client gets one assigned in the
        // CONNACK. Started once the daemon (itself an MQTT 5 client) is connected, as a user would, after the
        // start, it gets the retained availability at once.
        while (!daemon.Output.Contains("MQTT connected", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        foreach (var version in new[] { "mqttv311", "mqttv5" })
        {
            var sub = Process.Start(new ProcessStartInfo("mosquitto_sub", $"-V {version} -h 127.0.0.1 -p {port} -t {DaemonProcess.Available} -v -C 1 -W 60")
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            var received = await sub.StandardOutput.ReadToEndAsync();
            var refused = await sub.StandardError.ReadToEndAsync();
            await sub.WaitForExitAsync();
            Assert.True(sub.ExitCode == 0, $"mosquitto_sub -V {version} exited {sub.ExitCode}: {refused}\n{daemon.Output}");
            Assert.Equal($"{DaemonProcess.Available} online", received.Trim());
        }
        await using var subscriber = new MqttTestSubscriber(port, "ssdstream/#");
        await subscriber.StartAsync();
        await subscriber.WaitFor(m => m.Any(x => x.Topic == "ssdstream/cam1/detections"), Start, "a detection message from the embedded broker");
        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromSeconds(20)));
    }

    internal static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
