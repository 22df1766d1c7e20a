using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace SsdStream.Service.Tests;

/// <summary>
/// The daemon on the shipped demo camera with its web interface on a free loopback port, the embedded
/// broker, and recording in events mode with short segments (so that clips and recordings close soon).
/// </summary>
public sealed class WebDaemon : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-web-").FullName;
    private readonly DaemonProcess _daemon;

    /// <param name="configure">Changes to the <c>SsdStream</c> section before the start.</param>
    public WebDaemon(Action<JsonObject>? configure = null)
    {
        int broker = DaemonMqttTests.FreePort();
        BaseUrl = $"http://127.0.0.1:{DaemonMqttTests.FreePort()}";
        var config = DaemonProcess.Configuration(Path.Combine(AppContext.BaseDirectory, "models", "demo", "demo.ssdm"), broker, embedded: true);
        var s = config["SsdStream"]!;
        s["Model"]!["ScoreThreshold"] = 0.05;
        s["Model"]!["Threads"] = 2;
        s["Cameras"] = new JsonArray(new JsonObject { ["Name"] = "demo", ["Type"] = "synthetic" });
        s["Recording"] = new JsonObject
        {
            ["Enabled"] = true, ["Directory"] = "rec", ["Mode"] = "events", ["PreRollSeconds"] = 2, ["PostRollSeconds"] = 2, ["SegmentSeconds"] = 10,
        };
        s["Http"] = new JsonObject { ["Enabled"] = true, ["Urls"] = BaseUrl };
        configure?.Invoke(s.AsObject());
        _daemon = new DaemonProcess(_dir);
        _daemon.Start(config);
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public string Output => _daemon.Output;

    /// <summary>Waits until the API answers and the demo camera has had a frame through the detector.</summary>
    public async Task WaitUntilProcessingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var cameras = await Http.GetFromJsonAsync<JsonArray>("/api/cameras");
                if (cameras!.Any(c => (string?)c!["name"] == "demo" && (long)c["processed"]! > 0)) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the demo camera had no processed frame on {BaseUrl} within {timeout.TotalSeconds} s:\n{Output}");
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value, or fails the test naming <paramref name="what"/>.</summary>
    public async Task<T> WaitFor<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(500);
        }
        throw new TimeoutException($"no {what} within {timeout.TotalSeconds} s:\n{Output}");
    }

    public void Dispose()
    {
        Http.Dispose();
        _daemon.Signal("TERM");
        try
        {
            _daemon.WaitForExit(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _daemon.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }
}
