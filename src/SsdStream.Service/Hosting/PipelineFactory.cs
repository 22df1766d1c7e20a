using Microsoft.Extensions.Logging;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data.Synthetic;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Sources;
using SsdStream.Pipeline.Tracking;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>Turns the validated configuration (paths resolved) into the pipeline's parts: its enabled cameras that no other instance holds (<see cref="CameraClaims"/>).</summary>
public sealed partial class PipelineFactory(SsdStreamOptions options, CameraClaims claims, ILoggerFactory loggers)
{
    public string ModelPath => options.Model.Path;

    public string ModelName => Path.GetFileName(ModelPath);

    public IReadOnlyList<CameraDefinition> Cameras() =>
        options.Cameras.Where(c => c.Enabled && !claims.IsRefused(c.Name)).Select(c => new CameraDefinition(
            c.Name,
            SourceFactory(c),
            c.Filter,
            new ReconnectPolicy(TimeSpan.FromSeconds(c.ReconnectInitialSeconds), TimeSpan.FromSeconds(c.ReconnectMaxSeconds)),
            TimeSpan.FromSeconds(c.StallTimeoutSeconds),
            c.QueueCapacity,
            // A file not played in real time is work to finish, not a live view: every frame is processed.
            c.Type == CameraType.File && !c.Realtime ? FrameDelivery.Every : FrameDelivery.Newest,
            new CameraTracking { Settings = c.Tracker, Zones = c.Zones, Masks = c.Masks })).ToList();

    private Func<IFrameSource> SourceFactory(CameraOptions c)
    {
        double? maxFps = c.MaxFps > 0 ? c.MaxFps : null;
        return c.Type switch
        {
            CameraType.File => () => new VideoCaptureFrameSource(c.Source, c.Loop, c.Realtime, maxFps),
            CameraType.Device => () => new VideoCaptureFrameSource(c.Source, loop: false, realtime: false, maxFps),
            CameraType.Stream => () => new FfmpegFrameSource(new FfmpegSourceOptions(c.Source, c.Transport, c.InputArguments, maxFps), loggers.CreateLogger<FfmpegFrameSource>()),
            CameraType.Synthetic => () => new SyntheticFrameSource(c.Synthetic.Width, c.Synthetic.Height, c.Synthetic.Fps, c.Synthetic.Seed,
                new SyntheticSceneOptions { MinSize = c.Synthetic.MinObjectSize, MaxSize = c.Synthetic.MaxObjectSize }),
            _ => throw new InvalidOperationException($"camera '{c.Name}' has no type"),
        };
    }

    /// <summary>Loads the model on the configured engine; called on the inference thread, which then owns it.</summary>
    public IBatchDetector CreateDetector()
    {
        var logger = loggers.CreateLogger<PipelineFactory>();
        var detector = DetectorLoader.Open(ModelPath, options.Model.Detector, options.Model.PostProcess, note => LogModelNote(logger, note));
        LogEngine(logger, ModelName, detector.Network.Description);
        return new SsdBatchDetector(detector, ModelName);
    }

    /// <summary>The class names of the configured model, read from its header or ONNX metadata.</summary>
    public IReadOnlyList<string> Labels() => ModelDescription.Read(ModelPath).ClassNames;

    [LoggerMessage(Level = LogLevel.Warning, Message = "model: {Note}")]
    private static partial void LogModelNote(ILogger logger, string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "model {Model} runs on {Engine}")]
    private static partial void LogEngine(ILogger logger, string model, string engine);

    public DetectionPipeline CreatePipeline(PipelineMetrics metrics) =>
        new(Cameras(), CreateDetector, options.Inference, options.Model.Threads, metrics, loggers);
}
