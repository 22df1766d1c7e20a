using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Tracking;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Turns the pipeline's results and camera states into MQTT messages (detections, object events, counts, status,
/// Home Assistant discovery). It stops after the pipeline, once it has queued the last results.
/// </summary>
public sealed class MqttPublisherPart(MqttDetectionPublisher publisher, DetectionPipeline pipeline, SsdStreamOptions options, DaemonExit exit, StopBudget budget, ILogger<MqttPublisherPart> logger)
    : DaemonPart(budget, logger)
{
    /// <summary>Results waiting to be queued: a few seconds of every camera at full speed.</summary>
    private const int ResultQueue = 4096;

    private readonly CancellationTokenSource _abort = new();
    private Task _run = Task.CompletedTask;

    public override string Name => "MQTT publishing";

    protected override Task StartPartAsync(CancellationToken cancellationToken)
    {
        // Subscribed before the pipeline starts, so that every result and state change is seen.
        ResultBroadcaster.Subscription results = pipeline.SubscribeResults("mqtt", ResultQueue, closing: true);
        foreach (var camera in pipeline.Cameras) camera.StateChanged += publisher.OnCameraState;
        publisher.Announce(pipeline.Cameras.Select(c => c.CameraId), "SsdStream",
            options.Cameras.ToDictionary(c => c.Name, c => (IReadOnlyList<ZoneSettings>)c.Zones, StringComparer.Ordinal));
        _run = Task.Run(() => publisher.RunAsync(results, _abort.Token), CancellationToken.None);
        exit.Watch(Name, _run, () => pipeline.AllCamerasEnded);
        return Task.CompletedTask;
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        // The pipeline stopped before this part: its results are complete, so this ends once they are queued.
        using var cut = Budget.Expired.Register(() => _abort.Cancel());
        await _run.ConfigureAwait(false);
    }
}
