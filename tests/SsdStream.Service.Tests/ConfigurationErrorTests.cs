using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace SsdStream.Service.Tests;

/// <summary>
/// A bad configuration stops the start with a message naming the key, before any camera opens. One test runs
/// the daemon for the exit-code contract (78); the others load and validate the configuration in-process,
/// as the daemon does at start.
/// </summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private JsonObject Config(Action<JsonObject> change)
    {
        var model = Path.Combine(_dir, "model.ssdm");
        File.WriteAllText(model, "not checked before the start is refused");
        var config = DaemonProcess.Configuration(model, 1883);
        change(config["SsdStream"]!.AsObject());
        return config;
    }

    /// <summary>What the daemon prints for the configuration: every error, one per line (empty when it loads).</summary>
    private string Load(Action<JsonObject> change, params string[] overrides)
    {
        File.WriteAllText(Path.Combine(_dir, "appsettings.json"), Config(change).ToJsonString());
        try
        {
            Configuration.DaemonConfiguration.Load(new Configuration.ContentRoot(_dir), null, overrides, new Dictionary<string, string>());
            return "";
        }
        catch (Configuration.ConfigurationException e)
        {
            return string.Join("\n", e.Errors);
        }
    }

    [Fact]
    public void UnknownCameraType_IsExit78_OneLineNamingTheKeyAndTheAllowedValues()
    {
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(Config(_ => { }), "--SsdStream:Cameras:0:Type=webcam");
        int code = daemon.WaitForExit(TimeSpan.FromSeconds(30));
        var output = daemon.Output.Trim();
        var line = Assert.Single(output.Split('\n'));
        Assert.Contains("SsdStream:Cameras:0:Type", line);
        Assert.Contains("webcam", line);
        Assert.Contains("file, device, stream, synthetic", line);
    }

    [Fact]
    public void RunCheck_SaysWhatWouldRunAndExits0_OrExits78NamingTheKey_WithoutStarting()
    {
        var model = DaemonProcess.WriteRandomModel(_dir);
        int port = DaemonMqttTests.FreePort();
        var config = DaemonProcess.Configuration(model, port, embedded: true);
        File.WriteAllText(Path.Combine(_dir, "appsettings.json"), config.ToJsonString());
        var (code, output) = CommandLineTests.Ssdstream(_dir, "run", "--check");
        Assert.True(code == 0, output);
        Assert.Contains("configuration ok: 1 camera (cam1)", output);
        Assert.Contains($"embedded broker on 127.0.0.1:{port}", output);
        // Nothing started: no camera opened, no broker listened.
        Assert.DoesNotContain("streaming", output);
        Assert.DoesNotContain("listening", output);

        (code, output) = CommandLineTests.Ssdstream(_dir, "run", "--check", "--Inference:MaxBatch=0");
        Assert.Equal(78, code);
        Assert.Equal("configuration error: SsdStream:Inference:MaxBatch: must be 1..256 (got 0)", output.Trim());
    }

    [Fact]
    public void AValueWithALineBreak_StaysOnTheErrorsOneLine()
    {
        File.WriteAllText(Path.Combine(_dir, "appsettings.json"), Config(_ => { }).ToJsonString());
        var (code, output) = CommandLineTests.Ssdstream(_dir, "run", "--check", "--Mqtt:OutboxSize=12\n34");
        Assert.Equal(78, code);
        Assert.Equal("configuration error: SsdStream:Mqtt:OutboxSize: '12\\n34' is not a whole number", output);
        (code, output) = CommandLineTests.Ssdstream(_dir, "run", "--check", "--Cameras:0:Name=a\u2028b");
        Assert.Equal(78, code);
        Assert.Equal("configuration error: SsdStream:Cameras:0:Name: must be 1 to 64 letters, digits, '-' or '_' (got 'a\\u2028b')", output);
    }

    /// <summary>Every duration key of the options (a double whose name ends in Seconds, Ms, Hours or Days), as a configuration path.</summary>
    private static IEnumerable<string> DurationKeys(Type type, string prefix)
    {
        foreach (var p in Configuration.OptionsShape.BindableProperties(type))
        {
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (t == typeof(double) && System.Text.RegularExpressions.Regex.IsMatch(p.Name, "(Seconds|Ms|Hours|Days)$")) yield return prefix + p.Name;
            else if (Configuration.OptionsShape.ElementType(t) is { } element && !Configuration.OptionsShape.IsSimple(element))
                foreach (var k in DurationKeys(element, $"{prefix}{p.Name}:0:")) yield return k;
            else if (!Configuration.OptionsShape.IsSimple(t) && Configuration.OptionsShape.ElementType(t) is null)
                foreach (var k in DurationKeys(t, $"{prefix}{p.Name}:")) yield return k;
        }
    }

    [Fact]
    public void EveryDuration_PastTenYearsOrInfinite_IsAnErrorNamingTheKey_NotAnOverflowAtRunTime()
    {
        var keys = DurationKeys(typeof(Configuration.SsdStreamOptions), "").ToList();
        Assert.Contains("Recording:SegmentSeconds", keys);
        Assert.Contains("Cameras:0:Tracker:LostSeconds", keys);
        Assert.Contains("Cameras:0:Zones:0:InsideSeconds", keys);
        var missed = new List<string>();
        foreach (var key in keys)
        {
            foreach (var value in new[] { "1e308", "Infinity", "1e12" })
            {
                var output = Load(s =>
                {
                    s["Cameras"]![0]!["Zones"] = new JsonArray(new JsonObject { ["Name"] = "lawn", ["Points"] = new JsonArray(0, 0, 1, 0, 1, 1) });
                    s["Recording"] = new JsonObject { ["Enabled"] = true };
                }, $"--{key}={value}");
                var name = key[(key.LastIndexOf(':') + 1)..];
                if (!output.Split('\n').Any(l => l.StartsWith("SsdStream:", StringComparison.Ordinal) && l.Contains(name, StringComparison.Ordinal)))
                    missed.Add($"{key}={value}: {(output.Length == 0 ? "accepted" : output)}");
            }
        }
        Assert.True(missed.Count == 0, string.Join("\n", missed));
    }

    [Theory]
    [InlineData("Cameras:0:StallTimeoutSeconds")]
    [InlineData("Cameras:0:ReconnectInitialSeconds")]
    [InlineData("Cameras:0:Tracker:LostSeconds")]
    public void ADurationThatCannotBeZero_BelowAMillisecond_IsAnErrorNamingTheKey(string key)
    {
        // Found by the configuration fuzz drill: 1e-320 is above 0 but a zero TimeSpan, and a stall timeout
        // of 0 passed the check, then the start failed with a stack trace.
        var name = key[(key.LastIndexOf(':') + 1)..];
        foreach (var value in new[] { "1e-320", "0.0009" })
        {
            var output = Load(_ => { }, $"--{key}={value}");
            Assert.True(output.StartsWith("SsdStream:Cameras:0:", StringComparison.Ordinal) && output.Contains(name, StringComparison.Ordinal)
                && output.Contains("must be at least 0.001", StringComparison.Ordinal), $"{key}={value}: {output}");
        }
        Assert.Equal("", Load(_ => { }, $"--{key}=0.001"));
    }

    [Theory]
    [InlineData("Inference:MaxBatch")]
    [InlineData("Model:Threads")]
    [InlineData("Cameras:0:Tracker:ScoreHistory")]
    public void ACountThatSizesMemoryOrThreads_AtItsLargest_IsAnErrorNamingTheKey(string key)
    {
        var output = Load(_ => { }, $"--{key}={int.MaxValue}");
        Assert.Contains(key[(key.LastIndexOf(':') + 1)..], output);
        Assert.StartsWith("SsdStream:", output);
    }

    [Theory]
    [InlineData("--Logging:LogLevel:Default=Loud", "Logging:LogLevel:Default: 'Loud' is not a log level")]
    [InlineData("--Logging:LogLevel:Default=1e308", "Logging:LogLevel:Default: '1e308' is not a log level")]
    [InlineData("--Logging:LogLevel:Default:0:0=x", "Logging:LogLevel:Default:0:0: 'x' is not a log level")]
    [InlineData("--Logging:Console:LogLevel:Default=loud", "Logging:Console:LogLevel:Default: 'loud' is not a log level")]
    public void ALogLevelThatIsNotOne_IsAnErrorNamingTheKey_NotAnExceptionWhenTheHostIsBuilt(string setting, string error)
    {
        // It passed the configuration's checks, then the logging library threw while the daemon's host was built (exit 1, a trace).
        var output = Load(_ => { }, setting);
        Assert.StartsWith(error, output);
        Assert.Contains("Trace, Debug, Information, Warning, Error, Critical, None", output);
        Assert.Equal("", Load(_ => { }, "--Logging:LogLevel:Default=warning"));
    }

    [Fact]
    public void TheTestConfiguration_LoadsWithoutAnError() => Assert.Equal("", Load(_ => { }));

    [Theory]
    [InlineData("Recording:Mode", "always", "continuous, events")]
    [InlineData("Cameras:0:Transport", "sctp", "tcp, udp")]
    public void UnknownEnumValue_NamesTheKeyAndTheAllowedValues(string key, string value, string allowed)
    {
        var output = Load(_ => { }, $"--{key}={value}");
        Assert.Contains($"SsdStream:{key}", output);
        Assert.Contains(value, output);
        Assert.Contains(allowed, output);
    }

    [Theory]
    [InlineData("Cameras:0:Zones:0:Labels:0")]
    [InlineData("Cameras:0:Masks:0:Labels:0")]
    [InlineData("Cameras:0:Filter:Labels:0")]
    [InlineData("Cameras:0:Filter:ExcludeLabels:0")]
    [InlineData("Recording:EventLabels:0")]
    public void AnEmptyOrNullLabelInAList_NamesTheKey_ItDoesNotCrashTheStart(string key)
    {
        // Found by the configuration fuzz drill: a zone's Labels of [null] passed, then the start crashed
        // with a NullReferenceException naming nothing (the zone's count topic).
        foreach (JsonNode? value in new JsonNode?[] { null, JsonValue.Create(""), JsonValue.Create("  ") })
        {
            var output = Load(s =>
            {
                s["Cameras"]![0]!["Zones"] = new JsonArray(new JsonObject { ["Name"] = "yard", ["Points"] = new JsonArray(0, 0, 1, 0, 1, 1), ["Labels"] = new JsonArray("a") });
                s["Cameras"]![0]!["Masks"] = new JsonArray(new JsonObject { ["Points"] = new JsonArray(0, 0, 1, 0, 1, 1), ["Labels"] = new JsonArray("a") });
                s["Cameras"]![0]!["Filter"] = new JsonObject { ["Labels"] = new JsonArray("a"), ["ExcludeLabels"] = new JsonArray("b") };
                s["Recording"] = new JsonObject { ["Enabled"] = true, ["Directory"] = "rec", ["EventLabels"] = new JsonArray("a") };
                var parts = key.Split(':');
                JsonNode node = s;
                foreach (var part in parts[..^1]) node = int.TryParse(part, out int i) ? node[i]! : node[part]!;
                node.AsArray()[int.Parse(parts[^1])] = value?.DeepClone();
            });
            Assert.Contains($"SsdStream:{key}: must be a label", output);
        }
    }

    [Fact]
    public void NegativeBatchSize_NamesTheKey()
    {
        var output = Load(_ => { }, "--Inference:MaxBatch=-1");
        Assert.Contains("SsdStream:Inference:MaxBatch", output);
        Assert.Contains("-1", output);
    }

    [Fact]
    public void UnreachableTlsCaFile_NamesTheKey()
    {
        var output = Load(s =>
        {
            s["Mqtt"]!["Tls"] = new JsonObject { ["Enabled"] = true, ["CaFile"] = "/nonexistent/ca.pem" };
        });
        Assert.Contains("SsdStream:Mqtt:Tls:CaFile", output);
        Assert.Contains("/nonexistent/ca.pem", output);
    }

    [Fact]
    public void TlsFilesThatAreNotPem_NameTheKeys()
    {
        // Files that exist but hold no certificate: found now, not when MQTT first connects.
        var ca = Path.Combine(_dir, "ca.pem");
        var certificate = Path.Combine(_dir, "client.pem");
        var key = Path.Combine(_dir, "client.key");
        File.WriteAllText(ca, "not a certificate");
        File.WriteAllText(certificate, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        File.WriteAllText(key, "not a key");
        var output = Load(s =>
        {
            s["Mqtt"]!["Host"] = "broker.example";
            s["Mqtt"]!["Tls"] = new JsonObject { ["Enabled"] = true, ["CaFile"] = ca, ["ClientCertificate"] = certificate, ["ClientKey"] = key };
        });
        Assert.Contains("SsdStream:Mqtt:Tls:CaFile", output);
        Assert.Contains("holds no PEM certificate", output);
        Assert.Contains("SsdStream:Mqtt:Tls:ClientCertificate", output);
        Assert.Contains("cannot be loaded", output);
    }

    [Fact]
    public void DiscoveryPrefixWithAWildcard_NamesTheKey()
    {
        var output = Load(s => s["Mqtt"]!["HomeAssistant"] = new JsonObject { ["DiscoveryPrefix"] = "home/#" });
        Assert.Contains("SsdStream:Mqtt:HomeAssistant:DiscoveryPrefix", output);
        Assert.Contains("home/#", output);
    }

    [Fact]
    public void AnInstanceNameThatIsNotTopicSafe_NamesTheKey_AndTheDefaultIsTheHostName()
    {
        var output = Load(_ => { }, "--Instance:Name=north/east");
        Assert.Contains("SsdStream:Instance:Name: must be 1 to 64 letters, digits, '-' or '_' (got 'north/east')", output);
        Assert.Equal(Environment.MachineName, new Configuration.SsdStreamOptions().Instance.Name);
    }

    [Fact]
    public void AConnectionStringThatDoesNotParse_NamesTheKey_WithoutRepeatingItsPassword()
    {
        var output = Load(_ => { }, "--Events:ConnectionString=Host=db.lan;Password=hunter2-secret;Colour=blue");
        Assert.Contains("SsdStream:Events:ConnectionString: not a PostgreSQL connection string", output);
        Assert.DoesNotContain("hunter2-secret", output);
        output = Load(_ => { }, "--Events:ConnectionString=Database=ssdstream;Password=hunter2-secret");
        Assert.Contains("SsdStream:Events:ConnectionString: the PostgreSQL connection string names no Host", output);
        Assert.DoesNotContain("hunter2-secret", output);
    }

    [Fact]
    public void ValueOfTheWrongType_NamesTheKey()
    {
        var output = Load(_ => { }, "--Mqtt:Port=eighteen");
        Assert.Contains("SsdStream:Mqtt:Port", output);
    }

    [Fact]
    public void EnvironmentVariables_OverrideTheFile()
    {
        var overrides = Configuration.ConfigurationLoader.FromEnvironment(new Dictionary<string, string> { ["SSDSTREAM__Inference__MaxBatch"] = "3", ["PATH"] = "/bin" }).ToList();
        Assert.Equal([new KeyValuePair<string, string?>("SsdStream:Inference:MaxBatch", "3")], overrides);
    }

    [Fact]
    public async Task AMisspeltKeyAndAFileWithoutTheWrapper_AreWarnedAbout_AndTheDaemonStillStarts()
    {
        int port = DaemonMqttTests.FreePort();
        var config = DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), port, embedded: true);
        var extra = Path.Combine(_dir, "extra.json");
        File.WriteAllText(extra, """{ "Mqtt": { "TopicPrefix": "mine" } }""");
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(config, "--config", extra, "--Mqtt:Hots=broker.lan");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!daemon.Output.Contains("embedded broker", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        daemon.Signal("TERM");
        int code = daemon.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(code == 0, daemon.Output);
        Assert.Contains("configuration warning: SsdStream:Mqtt:Hots is not a known key (did you mean SsdStream:Mqtt:Host?)", daemon.Output);
        Assert.Contains("configuration warning: 'Mqtt' is outside the SsdStream section", daemon.Output);
        Assert.Contains("embedded broker", daemon.Output);
    }

    [Fact]
    public void UnknownKeys_AreFoundInListsAndNestedSections_WithTheClosestKnownKey()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SsdStream:Cameras:0:Name"] = "a",
            ["SsdStream:Cameras:0:Filter:MinScor"] = "0.4",
            ["SsdStream:Recording:Enabled"] = "true",
            ["SsdStream:Nonsense"] = "1",
            ["Logging:LogLevel:Default"] = "Information",
        }).Build();
        var warnings = Configuration.DaemonConfiguration.KeysThatBindToNothing(configuration);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.StartsWith("SsdStream:Cameras:0:Filter:MinScor is not a known key (did you mean SsdStream:Cameras:0:Filter:MinScore?)", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("SsdStream:Nonsense is not a known key;", StringComparison.Ordinal));
    }

    [Fact]
    public void BrokenJson_NamesTheFileLineAndPosition()
    {
        var output = Load(_ => { });
        Assert.Equal("", output);
        File.WriteAllText(Path.Combine(_dir, "appsettings.json"), "{\n  \"SsdStream\": {\n    \"Model\": { \"Path\": \"m\" }\n    \"Cameras\": []\n  }\n}");
        var e = Assert.Throws<Configuration.ConfigurationException>(() =>
            Configuration.DaemonConfiguration.Load(new Configuration.ContentRoot(_dir), null, [], new Dictionary<string, string>()));
        var line = Assert.Single(e.Errors);
        Assert.Contains("appsettings.json", line);
        Assert.Contains("line 4, position 5", line);
    }

    [Fact]
    public void ANullAnywhere_IsAConfigurationErrorOrADefault_NeverACrash()
    {
        var full = Config(s =>
        {
            s["Cameras"]![0]!["Zones"] = new JsonArray(new JsonObject { ["Name"] = "yard", ["Points"] = new JsonArray(0, 0, 1, 0, 1, 1), ["Labels"] = new JsonArray("a") });
            s["Cameras"]![0]!["Masks"] = new JsonArray(new JsonObject { ["Points"] = new JsonArray(0, 0, 1, 0, 1, 1), ["Labels"] = new JsonArray("a") });
            s["Cameras"]![0]!["Tracker"] = new JsonObject { ["LostSeconds"] = 3 };
            s["Snapshots"] = new JsonObject { ["Quality"] = 80 };
            s["Events"] = new JsonObject { ["Enabled"] = true, ["Database"] = "x.db", ["ConnectionString"] = "" };
            s["Mqtt"]!["DetectionExpirySeconds"] = 10;
            s["Http"] = new JsonObject { ["Enabled"] = true, ["Urls"] = "http://127.0.0.1:5080", ["TokenSha256"] = "" };
        });
        var crashes = new List<string>();
        foreach (var path in Paths(full["SsdStream"]!, "SsdStream"))
        {
            var copy = JsonNode.Parse(full.ToJsonString())!.AsObject();
            var (parent, key) = Locate(copy, path);
            if (parent is JsonObject o) o[key] = null;
            else ((JsonArray)parent)[int.Parse(key)] = null;
            File.WriteAllText(Path.Combine(_dir, "appsettings.json"), copy.ToJsonString());
            try
            {
                Configuration.DaemonConfiguration.Load(new Configuration.ContentRoot(_dir), null, [], new Dictionary<string, string>());
            }
            catch (Configuration.ConfigurationException)
            {
            }
            catch (Exception e)
            {
                crashes.Add($"{path} = null: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(crashes.Count == 0, string.Join("\n", crashes));
    }

    /// <summary>Every key and list entry under <paramref name="node"/>, as a path of keys.</summary>
    private static IEnumerable<string> Paths(JsonNode node, string prefix)
    {
        IEnumerable<(string Key, JsonNode? Child)> children = node switch
        {
            JsonObject o => o.Select(p => (p.Key, p.Value)),
            JsonArray a => a.Select((c, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), c)),
            _ => [],
        };
        foreach (var (key, child) in children)
        {
            var path = $"{prefix}:{key}";
            yield return path;
            if (child != null) foreach (var p in Paths(child, path)) yield return p;
        }
    }

    private static (JsonNode Parent, string Key) Locate(JsonNode root, string path)
    {
        var keys = path.Split(':');
        JsonNode node = root;
        foreach (var k in keys[..^1]) node = node is JsonArray a ? a[int.Parse(k)]! : node[k]!;
        return (node, keys[^1]);
    }
}
