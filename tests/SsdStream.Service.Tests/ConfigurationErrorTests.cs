using System.Text.Json.Nodes;

namespace SsdStream.Service.Tests;

/// <summary>A bad configuration stops the start with exit code 78 and a message naming the key, before any camera opens.</summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Output) Run(Action<JsonObject> change, params string[] args)
    {
        var model = Path.Combine(_dir, "model.ssdm");
        File.WriteAllText(model, "not checked before the start is refused");
        var config = DaemonProcess.Configuration(model, 1883);
        change(config["SsdStream"]!.AsObject());
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(config, args);
        int code = daemon.WaitForExit(TimeSpan.FromSeconds(30));
        return (code, daemon.Output);
    }

    [Fact]
    public void NegativeBatchSize_IsExit78NamingTheKey()
    {
        var (code, output) = Run(_ => { }, "--Inference:MaxBatch=-1");
        Assert.Equal(78, code);
        Assert.Contains("SsdStream:Inference:MaxBatch", output);
        Assert.Contains("-1", output);
        Assert.DoesNotContain("Streaming", output);
    }

    [Fact]
    public void UnknownCameraType_IsExit78NamingTheKey()
    {
        var (code, output) = Run(s => s["Cameras"]![0]!["Type"] = "webcamz");
        Assert.Equal(78, code);
        Assert.Contains("SsdStream:Cameras:0:Type", output);
        Assert.Contains("webcamz", output);
    }

    [Fact]
    public void UnreachableTlsCaFile_IsExit78NamingTheKey()
    {
        var (code, output) = Run(s =>
        {
            s["Mqtt"]!["Tls"] = new JsonObject { ["Enabled"] = true, ["CaFile"] = "/nonexistent/ca.pem" };
        });
        Assert.Equal(78, code);
        Assert.Contains("SsdStream:Mqtt:Tls:CaFile", output);
        Assert.Contains("/nonexistent/ca.pem", output);
    }

    [Fact]
    public void TlsFilesThatAreNotPem_AreExit78NamingTheKeys()
    {
        // Files that exist but hold no certificate: found now, not when MQTT first connects.
        var ca = Path.Combine(_dir, "ca.pem");
        var certificate = Path.Combine(_dir, "client.pem");
        var key = Path.Combine(_dir, "client.key");
        File.WriteAllText(ca, "not a certificate");
        File.WriteAllText(certificate, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        File.WriteAllText(key, "not a key");
        var (code, output) = Run(s =>
        {
            s["Mqtt"]!["Host"] = "broker.example";
            s["Mqtt"]!["Tls"] = new JsonObject { ["Enabled"] = true, ["CaFile"] = ca, ["ClientCertificate"] = certificate, ["ClientKey"] = key };
        });
        Assert.Equal(78, code);
        Assert.Contains("SsdStream:Mqtt:Tls:CaFile", output);
        Assert.Contains("holds no PEM certificate", output);
        Assert.Contains("SsdStream:Mqtt:Tls:ClientCertificate", output);
        Assert.Contains("cannot be loaded", output);
    }

    [Fact]
    public void DiscoveryPrefixWithAWildcard_IsExit78NamingTheKey()
    {
        var (code, output) = Run(s => s["Mqtt"]!["HomeAssistant"] = new JsonObject { ["DiscoveryPrefix"] = "home/#" });
        Assert.Equal(78, code);
        Assert.Contains("SsdStream:Mqtt:HomeAssistant:DiscoveryPrefix", output);
        Assert.Contains("home/#", output);
    }

    [Fact]
    public void ValueOfTheWrongType_IsExit78NamingTheKey()
    {
        var (code, output) = Run(_ => { }, "--Mqtt:Port=eighteen");
        Assert.Equal(78, code);
        Assert.Contains("SsdStream:Mqtt:Port", output);
    }

    [Fact]
    public void EnvironmentVariables_OverrideTheFile()
    {
        var overrides = Configuration.ConfigurationLoader.FromEnvironment(new Dictionary<string, string> { ["SSDSTREAM__Inference__MaxBatch"] = "3", ["PATH"] = "/bin" }).ToList();
        Assert.Equal([new KeyValuePair<string, string?>("SsdStream:Inference:MaxBatch", "3")], overrides);
    }
}
