using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Recording;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Records every camera: one <see cref="CameraRecorder"/> per camera fed by a bounded frame tap and the
/// camera's results, a retention pass every <c>RetentionCheckSeconds</c>, and an MQTT message for every
/// closed segment. At the stop, recorders write what they have queued (within the budget) and close
/// their segments; when the budget is spent they close them with what they wrote.
/// </summary>
public sealed partial class RecordingPart(
    SsdStreamOptions options,
    DetectionPipeline pipeline,
    PipelineMetrics metrics,
    MqttDetectionPublisher publisher,
    SsdStream.Pipeline.Events.EventMediaHub hub,
    EventStoreAccess events,
    DaemonExit exit,
    StopBudget budget,
    ILoggerFactory loggers) : DaemonPart(budget, loggers.CreateLogger<RecordingPart>())
{
    private readonly ILogger _logger = loggers.CreateLogger<RecordingPart>();
    private readonly CancellationTokenSource _abort = new();
    private Task _recorders = Task.CompletedTask;
    private Task _retention = Task.CompletedTask;

    public override string Name => "recording";

    protected override Task StartPartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Recording;
        Directory.CreateDirectory(settings.Directory);
        var encoders = SegmentEncoders.Best(settings.Ffmpeg);
        if (encoders is not FfmpegSegmentEncoderFactory) LogNoFfmpeg(_logger, settings.Ffmpeg);
        var tasks = new List<Task>();
        foreach (var camera in pipeline.Cameras)
        {
            var id = camera.CameraId;
            var recorder = new CameraRecorder(id, settings, encoders, () => camera.FramesPerSecond, loggers.CreateLogger<CameraRecorder>(),
                segment => publisher.PublishSegment(segment, hub.OnSegment(segment)), metrics.Camera(id));
            var frames = pipeline.TapFrames(id, settings.QueueFrames, recorder.CountQueueDrop);
            var results = pipeline.SubscribeResults($"recorder-{id}", settings.QueueFrames, cameraId: id);
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await recorder.RunAsync(frames, results.Reader, _abort.Token).ConfigureAwait(false);
                }
                finally
                {
                    hub.OnRecordingEnded(id);
                }
            }, CancellationToken.None));
        }
        LogRecording(_logger, pipeline.Cameras.Count, settings.Directory, encoders.Codec, settings.Mode.ToString().ToLowerInvariant());
        _recorders = Task.WhenAll(tasks);
        // The recorders end when their camera's frames end: at the stop, or when every camera has ended.
        exit.Watch(Name, _recorders, () => pipeline.AllCamerasEnded);
        var retention = new RecordingRetention(settings.Directory, pipeline.Cameras.Select(c => c.CameraId).ToList(), settings.MaxAge, settings.MaxBytes, loggers.CreateLogger<RecordingRetention>());
        _retention = Task.Run(() => RetainAsync(retention, TimeSpan.FromSeconds(settings.RetentionCheckSeconds)), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task RetainAsync(RecordingRetention retention, TimeSpan period)
    {
        while (!_recorders.IsCompleted)
        {
            try
            {
                // Segments of events marked to be retained stay, whatever their age.
                var keep = events.Store is { } store ? await store.RetainedFilesAsync().ConfigureAwait(false) : null;
                retention.Apply(DateTimeOffset.UtcNow, keep);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One failed pass must not end retention (the disk would fill up): log, try again later.
                LogRetentionFailed(_logger, e);
            }
            await Task.WhenAny(_recorders, Task.Delay(period)).ConfigureAwait(false);
        }
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        // The pipeline stopped before this part, so every recorder's streams end; past the budget they
        // close their segments with what they wrote.
        using var cut = Budget.Expired.Register(() => _abort.Cancel());
        await Task.WhenAll(_recorders, _retention).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "recording retention pass failed; the next pass tries again")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recording: '{Ffmpeg}' with libx264 not found; writing MPEG-4 (mp4v) with OpenCV, which browsers do not play. Install ffmpeg for H.264.")]
    private static partial void LogNoFfmpeg(ILogger logger, string ffmpeg);

    [LoggerMessage(Level = LogLevel.Information, Message = "recording {Cameras} camera(s) to {Directory} as {Codec}, mode {Mode}")]
    private static partial void LogRecording(ILogger logger, int cameras, string directory, string codec, string mode);
}
