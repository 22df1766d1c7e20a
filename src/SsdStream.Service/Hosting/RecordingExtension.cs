using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Recording;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Records every camera when recording is enabled: one <see cref="CameraRecorder"/> per camera fed by a
/// bounded frame tap and the results, a retention pass every <c>RetentionCheckSeconds</c>, and an MQTT
/// message on <c>&lt;prefix&gt;/&lt;camera&gt;/recordings</c> for every closed segment.
/// </summary>
public sealed partial class RecordingExtension(ILoggerFactory loggers) : IPipelineExtension
{
    private readonly ILogger _logger = loggers.CreateLogger<RecordingExtension>();

    public Task Attach(PipelineContext context)
    {
        var r = context.Options.Recording;
        if (!r.Enabled) return Task.CompletedTask;
        var directory = context.Root.Resolve(r.Directory);
        Directory.CreateDirectory(directory);
        ISegmentEncoderFactory encoders;
        if (!string.IsNullOrWhiteSpace(r.Ffmpeg) && FfmpegSegmentEncoderFactory.IsAvailable(r.Ffmpeg))
        {
            encoders = new FfmpegSegmentEncoderFactory(r.Ffmpeg);
        }
        else
        {
            LogNoFfmpeg(_logger, r.Ffmpeg);
            encoders = new OpenCvSegmentEncoderFactory();
        }
        var settings = new RecordingSettings
        {
            Directory = directory,
            EventsOnly = r.Mode == "events",
            SegmentLength = TimeSpan.FromSeconds(r.SegmentSeconds),
            EventLabels = r.EventLabels.ToHashSet(StringComparer.Ordinal),
            EventMinScore = r.EventMinScore,
            PreRoll = TimeSpan.FromSeconds(r.PreRollSeconds),
            PostRoll = TimeSpan.FromSeconds(r.PostRollSeconds),
        };
        var topics = context.Publisher.Topics;
        var tasks = new List<Task>();
        foreach (var camera in context.Pipeline.Cameras)
        {
            var id = camera.CameraId;
            CameraRecorder? recorder = null;
            var frames = context.Pipeline.TapFrames(id, r.QueueFrames, () => recorder?.CountQueueDrop());
            var results = context.Pipeline.SubscribeResults($"recorder-{id}", r.QueueFrames, cameraId: id);
            recorder = new CameraRecorder(id, settings, encoders, () => camera.FramesPerSecond, loggers.CreateLogger<CameraRecorder>(),
                segment => context.Publisher.Publish(topics.Recordings(id), new JsonObject
                {
                    ["camera"] = id,
                    ["path"] = segment.VideoPath,
                    ["sidecar"] = segment.SidecarPath,
                    ["start"] = MqttPayloads.Time(segment.Start),
                    ["end"] = MqttPayloads.Time(segment.End),
                    ["frames"] = segment.Frames,
                    ["labels"] = new JsonArray(segment.Labels.Select(l => (JsonNode)l).ToArray()),
                }));
            tasks.Add(Task.Run(() => recorder.RunAsync(frames, results.Reader, context.Abort)));
        }
        LogRecording(_logger, context.Pipeline.Cameras.Count, directory, encoders.Codec, r.Mode);
        var all = Task.WhenAll(tasks);
        var retention = new RecordingRetention(directory, r.MaxAgeHours > 0 ? TimeSpan.FromHours(r.MaxAgeHours) : null,
            r.MaxSizeMb > 0 ? (long)(r.MaxSizeMb * 1024 * 1024) : null, loggers.CreateLogger<RecordingRetention>());
        var retentionTask = Task.Run(async () =>
        {
            while (!all.IsCompleted)
            {
                try
                {
                    retention.Apply(DateTimeOffset.UtcNow);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // One failed pass must not end retention (the disk would fill up): log, try again later.
                    LogRetentionFailed(_logger, e);
                }
                await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(r.RetentionCheckSeconds))).ConfigureAwait(false);
            }
        });
        return Task.WhenAll(all, retentionTask);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "recording retention pass failed; the next pass tries again")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "recording: '{Ffmpeg}' with libx264 not found; writing MPEG-4 (mp4v) with OpenCV, which browsers do not play. Install ffmpeg for H.264.")]
    private static partial void LogNoFfmpeg(ILogger logger, string ffmpeg);

    [LoggerMessage(Level = LogLevel.Information, Message = "recording {Cameras} camera(s) to {Directory} as {Codec}, mode {Mode}")]
    private static partial void LogRecording(ILogger logger, int cameras, string directory, string codec, string mode);
}
