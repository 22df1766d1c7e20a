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
    public async Task Detections_ValidateAgainstTheSchema_AvailableIsOnlineThenStoppedAfterSigterm()
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await subscriber.StartAsync();
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), broker.Port));

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
        Assert.Equal("online", subscriber.Payloads("ssdstream/available").Last());
        var status = JsonNode.Parse(subscriber.Payloads("ssdstream/cam1/status").Last())!;
        Assert.Equal("streaming", (string?)status["state"]);
        await subscriber.WaitFor(m => m.Any(x => x.Topic == "ssdstream/stats"), TimeSpan.FromSeconds(10), "stats");
        var stats = JsonNode.Parse(subscriber.Payloads("ssdstream/stats").Last())!;
        Assert.True((double)stats["cameras"]!["cam1"]!["fps"]! >= 0);

        daemon.Signal("TERM");
        Assert.Equal(0, daemon.WaitForExit(TimeSpan.FromSeconds(20)));
        await subscriber.WaitFor(m => m.LastOrDefault(x => x.Topic == "ssdstream/available").Payload == "stopped", TimeSpan.FromSeconds(5), "available = stopped");
        var camStatus = JsonNode.Parse(subscriber.Payloads("ssdstream/cam1/status").Last())!;
        Assert.Equal("stopped", (string?)camStatus["state"]);
        Assert.Contains("stopped cleanly", daemon.Output);
    }

    [Fact]
    public async Task KilledWithSigkill_BrokerPublishesTheOfflineLastWill()
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/available");
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
            Assert.Equal("ssdstream/available", (string?)availability["topic"]);
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
        // The real mosquitto_sub, without -i: MQTT 3.1.1 clients send an empty client id with a clean
        // session, and the broker must assign one. Started once the daemon is connected (as a user would,
        // after the start), it gets the retained availability at once.
        while (!daemon.Output.Contains("MQTT connected", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        var sub = Process.Start(new ProcessStartInfo("mosquitto_sub", $"-h 127.0.0.1 -p {port} -t ssdstream/available -v -C 1 -W 60")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var received = await sub.StandardOutput.ReadToEndAsync();
        var refused = await sub.StandardError.ReadToEndAsync();
        await sub.WaitForExitAsync();
        Assert.True(sub.ExitCode == 0, $"mosquitto_sub exited {sub.ExitCode}: {refused}\n{daemon.Output}");
        Assert.Equal("ssdstream/available online", received.Trim());
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
