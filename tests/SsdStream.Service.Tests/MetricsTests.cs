using System.Diagnostics;

namespace SsdStream.Service.Tests;

/// <summary>What a Prometheus server scrapes from the daemon's <c>/metrics</c>.</summary>
public sealed class MetricsTests
{
    [Theory]
    [InlineData("torch")]
    [InlineData("onnxruntime")]
    public async Task Metrics_PassPromtool_AndCarryTheCameraInferenceAndMqttFigures(string engine)
    {
        using var daemon = new WebDaemon(s => s["Model"]!["Engine"] = engine);
        await daemon.WaitUntilProcessingAsync(TimeSpan.FromSeconds(60));
        // Let a few batches through, so that every histogram has samples.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var response = await daemon.Http.GetAsync("/metrics");
        Assert.True(response.IsSuccessStatusCode, $"/metrics: {(int)response.StatusCode}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();

        var (code, promtool) = Promtool(body);
        Assert.True(code == 0, $"promtool check metrics: exit {code}\n{promtool}\n---\n{body}");

        string[] named =
        [
            "ssdstream_camera_frames_in_total{", "ssdstream_camera_frames_processed_total{", "ssdstream_camera_frames_dropped_total{",
            "ssdstream_camera_reconnects_total{", "ssdstream_camera_state{",
            "ssdstream_inference_batch_size_bucket{", "ssdstream_inference_duration_seconds_bucket{", "ssdstream_pipeline_latency_seconds_bucket{",
            "ssdstream_mqtt_outbox_size", "ssdstream_mqtt_outbox_dropped_total", "ssdstream_inference_live_tensors",
        ];
        var lines = body.Split('\n');
        foreach (var name in named)
            Assert.True(lines.Any(l => l.StartsWith(name, StringComparison.Ordinal)), $"{name} is not in /metrics:\n{body}");
        // Per camera: the camera's figures carry its name, and frames went through.
        Assert.Contains(lines, l => l.StartsWith("ssdstream_camera_frames_processed_total{", StringComparison.Ordinal) && l.Contains("camera=\"demo\"", StringComparison.Ordinal)
            && double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains(lines, l => l.StartsWith("ssdstream_camera_state{", StringComparison.Ordinal) && l.Contains("camera=\"demo\"", StringComparison.Ordinal));
        // TorchSharp's tensors alive on the inference thread after a batch: with torch the model's weights at
        // least (the count is read on the thread that made them). With either engine it stays put while
        // batches go through: a batch that leaked a tensor would raise it.
        var live = LiveTensors(lines);
        if (engine == "torch") Assert.True(live > 0, $"live tensors {live} with the torch engine");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = LiveTensors((await daemon.Http.GetStringAsync("/metrics")).Split('\n'));
        Assert.True(later == live, $"live tensors {live}, then {later} three seconds later");
    }

    private static double LiveTensors(string[] lines) => double.Parse(
        Assert.Single(lines, l => l.StartsWith("ssdstream_inference_live_tensors{", StringComparison.Ordinal)).Split(' ')[^1],
        System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Pipes <paramref name="body"/> to <c>promtool check metrics</c>; its exit code and what it said.</summary>
    private static (int Code, string Output) Promtool(string body)
    {
        using var process = Process.Start(new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(body);
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
