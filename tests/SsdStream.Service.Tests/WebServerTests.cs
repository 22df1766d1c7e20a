using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SsdStream.Pipeline.Tests;

namespace SsdStream.Service.Tests;

/// <summary>The daemon's HTTP side that monitoring and the page rely on: health, files only from the recording folder, the token.</summary>
public sealed class WebServerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-web-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private (JsonObject Config, string Base) Config(JsonArray cameras)
    {
        int port = DaemonMqttTests.FreePort();
        var config = DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), DaemonMqttTests.FreePort(), embedded: true);
        config["SsdStream"]!["Cameras"] = cameras;
        config["SsdStream"]!["Http"] = new JsonObject { ["Enabled"] = true, ["Urls"] = $"http://127.0.0.1:{port}" };
        config["SsdStream"]!["Recording"] = new JsonObject { ["Enabled"] = true, ["Directory"] = "rec" };
        return (config, $"http://127.0.0.1:{port}");
    }

    private async Task<(HttpStatusCode Code, string Body)> Get(string url)
    {
        try
        {
            using var response = await _http.GetAsync(url);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (0, "");
        }
    }

    private async Task<string> WaitFor(string url, HttpStatusCode code, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        (HttpStatusCode Code, string Body) last = (0, "");
        while (DateTime.UtcNow < deadline)
        {
            last = await Get(url);
            if (last.Code == code) return last.Body;
            await Task.Delay(200);
        }
        throw new TimeoutException($"{url} did not answer {(int)code} within {timeout.TotalSeconds} s; last: {(int)last.Code} {last.Body}");
    }

    [Fact]
    public async Task Healthz_Is503WhileARealRtspCameraIsAwayLongerThanItsStallTimeout_And200Otherwise()
    {
        using var server = new RtspTestServer();
        var (config, root) = Config(new JsonArray(new JsonObject
        {
            ["Name"] = "door", ["Type"] = "stream", ["Source"] = server.Url,
            ["StallTimeoutSeconds"] = 2, ["ReconnectInitialSeconds"] = 0.5, ["ReconnectMaxSeconds"] = 1,
        }));
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(config);
        await WaitFor(root + "/healthz", HttpStatusCode.OK, TimeSpan.FromSeconds(60));

        server.Kill();
        var reason = await WaitFor(root + "/healthz", HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
        Assert.Contains("cameras: unhealthy", reason);
        Assert.Contains("door reconnecting", reason);

        server.Start();
        await WaitFor(root + "/healthz", HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        daemon.Signal("TERM");
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)) == 0, daemon.Output);
    }

    [Fact]
    public async Task RecordingFiles_AreServedFromTheRecordingFolderOnly_AndATokenIsRequiredWhenOneIsSet()
    {
        const string token = "a-long-secret-token";
        var (config, root) = Config(new JsonArray(new JsonObject { ["Name"] = "cam1", ["Type"] = "synthetic" }));
        config["SsdStream"]!["Http"]!["TokenSha256"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))).ToLowerInvariant();
        var rec = Directory.CreateDirectory(Path.Combine(_dir, "rec", "cam1", "2026-01-01")).FullName;
        File.WriteAllText(Path.Combine(rec, "00-00-00.mp4"), "a recording");
        var secretDir = Directory.CreateDirectory(Path.Combine(_dir, "secret")).FullName;
        File.WriteAllText(Path.Combine(secretDir, "key.txt"), "do not serve");
        File.CreateSymbolicLink(Path.Combine(_dir, "rec", "cam1", "link"), secretDir);
        File.CreateSymbolicLink(Path.Combine(rec, "linked.mp4"), Path.Combine(secretDir, "key.txt"));
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(config);
        await WaitFor(root + "/healthz", HttpStatusCode.OK, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(root + "/api/recordings/file/cam1/2026-01-01/00-00-00.mp4")).Code);
        var (code, body) = await Get(root + $"/api/recordings/file/cam1/2026-01-01/00-00-00.mp4?token={token}");
        Assert.Equal((HttpStatusCode.OK, "a recording"), (code, body));
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        string[] outside =
        [
            "/api/recordings/file/..%2f..%2fsecret%2fkey.txt",
            "/api/recordings/file/%2e%2e%2f%2e%2e%2fsecret%2fkey.txt",
            "/api/recordings/file/cam1/%2e%2e/%2e%2e/secret/key.txt",
            "/api/recordings/file/" + Uri.EscapeDataString(Path.Combine(secretDir, "key.txt")),
            "/api/recordings/file//etc/passwd",
            "/api/recordings/file/cam1/link/key.txt",
            "/api/recordings/file/cam1/2026-01-01/linked.mp4",
        ];
        foreach (var path in outside)
        {
            var (status, content) = await Get(root + path);
            Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{path}: {(int)status} {content}");
            Assert.DoesNotContain("do not serve", content);
        }
        daemon.Signal("TERM");
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(30)) == 0, daemon.Output);
    }
}
