using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Sources;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Says how the daemon is doing: a live line per camera every <c>StatusIntervalSeconds</c> (state, frame
/// rate, drops, the newest objects, MQTT), a warning when the recorder could not keep up, and the
/// <c>&lt;prefix&gt;/stats</c> message every <c>Mqtt:StatsIntervalSeconds</c>. Both read the pipeline
/// through <see cref="PipelineSnapshot"/>s.
/// </summary>
public sealed partial class StatusReporterPart(
    SsdStreamOptions options,
    DetectionPipeline pipeline,
    PipelineMetrics metrics,
    MqttDetectionPublisher publisher,
    MqttConnection connection,
    DaemonExit exit,
    StopBudget budget,
    ILogger<StatusReporterPart> logger) : DaemonPart(budget, logger)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<string, string> _objects = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public override string Name => "status reporting";

    protected override Task StartPartAsync(CancellationToken cancellationToken)
    {
        var results = pipeline.SubscribeResults("status", capacity: 64);
        var objects = Task.Run(() => TrackObjectsAsync(results, _stop.Token), CancellationToken.None);
        var report = Task.Run(() => ReportAsync(_stop.Token), CancellationToken.None);
        _run = Task.WhenAll(objects, report);
        exit.Watch(Name, _run, () => pipeline.AllCamerasEnded);
        return Task.CompletedTask;
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
    }

    /// <summary>The newest frame's objects per camera, for the live line.</summary>
    private async Task TrackObjectsAsync(ResultBroadcaster.Subscription results, CancellationToken cancellation)
    {
        try
        {
            await foreach (var r in results.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                _objects[r.CameraId] = r.Detections.Count == 0
                    ? "none"
                    : string.Join(", ", r.Detections.GroupBy(d => d.Label).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    private async Task ReportAsync(CancellationToken cancellation)
    {
        var statusEvery = options.StatusIntervalSeconds > 0 ? TimeSpan.FromSeconds(options.StatusIntervalSeconds) : (TimeSpan?)null;
        var statsEvery = options.Mqtt.StatsIntervalSeconds > 0 ? TimeSpan.FromSeconds(options.Mqtt.StatsIntervalSeconds) : (TimeSpan?)null;
        var atStatus = PipelineSnapshot.Of(metrics);
        var atStats = atStatus;
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation).ConfigureAwait(false))
            {
                var now = PipelineSnapshot.Of(metrics);
                if (statusEvery is { } s && Elapsed(atStatus, now) >= s)
                {
                    Status(now.Since(atStatus));
                    atStatus = now;
                }
                if (statsEvery is { } t && Elapsed(atStats, now) >= t)
                {
                    publisher.PublishStats(now.Since(atStats), now.Time, connection.Sent);
                    atStats = now;
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    private static TimeSpan Elapsed(PipelineSnapshot from, PipelineSnapshot to) => Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp);

    private void Status(PipelineDelta delta)
    {
        string mqtt = connection.IsConnected ? "connected" : "away";
        if (options.Http.Enabled) mqtt += $"; web {options.Http.ParsedUrls()[0]}";
        foreach (var c in delta.Cameras)
        {
            LogLive(logger, c.Now.CameraId, c.Now.State.PublicName(), c.ProcessedPerSecond, c.FramesDropped, _objects.GetValueOrDefault(c.Now.CameraId, "none yet"), mqtt);
            if (c.RecordingDropped > 0) LogRecordingBehind(logger, c.Now.CameraId, c.RecordingDropped, delta.Interval.TotalSeconds);
        }
        LogMemory(logger, Environment.WorkingSet / (1024.0 * 1024.0), TorchSharp.torch.Tensor.TotalCount);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Camera}: {State}, {Fps:0.0} fps, {Dropped} dropped, objects: {Objects}; mqtt {Mqtt}")]
    private static partial void LogLive(ILogger logger, string camera, string state, double fps, long dropped, string objects, string mqtt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recording {Camera}: {Frames} frames not recorded in the last {Seconds:0} s (the recorder fell behind or the disk failed); detection is not affected")]
    private static partial void LogRecordingBehind(ILogger logger, string camera, long frames, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "memory: RSS {RssMb:0} MiB, live tensors {Tensors}")]
    private static partial void LogMemory(ILogger logger, double rssMb, long tensors);
}
