using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Events;
using SsdStream.Pipeline.Publishing;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Each camera's event media beside the pipeline: best snapshots of the objects (files, and retained on
/// MQTT), every event published with what it has of snapshot and clip, and handed to the events store.
/// Started before the recorders and the pipeline, so it stops after them: it sees every result, the
/// objects ended at the stop, and the segments the recorders close last.
/// </summary>
public sealed partial class EventMediaPart(DetectionPipeline pipeline, SsdStreamOptions options, MqttDetectionPublisher publisher, EventMediaHub hub,
    DaemonExit exit, StopBudget budget, ILoggerFactory loggers, ILogger<EventMediaPart> logger) : DaemonPart(budget, logger)
{
    /// <summary>
    /// Results waiting for the media writer: minutes of a camera, so that a slow disk delays events
    /// rather than losing them (a result dropped from a full queue would take its events with it).
    /// </summary>
    private const int ResultQueue = 2048;

    /// <summary>Frames waiting to be paired with their results (older ones are dropped, and only cost a snapshot candidate).</summary>
    private const int FrameQueue = 16;

    private readonly CancellationTokenSource _abort = new();
    private Task _run = Task.CompletedTask;

    public override string Name => "event media";

    protected override Task StartPartAsync(CancellationToken cancellationToken)
    {
        // Only this daemon's cameras' folders: another daemon may record into the same directory.
        int removed = pipeline.Cameras.Sum(c => SsdStream.Pipeline.Recording.SegmentWriter.RemoveUnfinished(Path.Combine(options.Recording.Directory, c.CameraId)));
        if (removed > 0) LogRemoved(logger, removed, options.Recording.Directory);
        var tasks = new List<Task>();
        foreach (var camera in pipeline.Cameras)
        {
            var id = camera.CameraId;
            var media = new CameraEventMedia(id, SnapshotWriter.FolderFor(options.Recording.Directory, id), options.Snapshots,
                options.Recording.Enabled ? options.Recording : null,
                e =>
                {
                    publisher.PublishEvent(e);
                    hub.Store(e);
                },
                (label, jpeg) => publisher.PublishSnapshot(id, label, jpeg), loggers.CreateLogger<CameraEventMedia>());
            hub.Register(id, media);
            var frames = options.Snapshots.Enabled ? pipeline.TapFrames(id, FrameQueue) : null;
            var results = pipeline.SubscribeResults($"events-{id}", ResultQueue, cameraId: id, closing: true);
            var task = Task.Run(() => media.RunAsync(frames, results.Reader, _abort.Token), CancellationToken.None);
            // Each camera's media is watched on its own: one that fails stops the daemon at once, not when every camera ends.
            exit.Watch($"{Name} of {id}", task, () => pipeline.AllCamerasEnded);
            tasks.Add(task);
        }
        _run = Task.WhenAll(tasks);
        return Task.CompletedTask;
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        // The pipeline and the recorders stopped before this part: the results are complete.
        using var cut = Budget.Expired.Register(() => _abort.Cancel());
        await _run.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "removed {Count} unfinished recording or snapshot file(s) an earlier run left in {Folder} when it stopped without closing them")]
    private static partial void LogRemoved(ILogger logger, int count, string folder);
}
