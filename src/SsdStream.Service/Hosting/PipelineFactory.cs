using Microsoft.Extensions.Logging;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data.Synthetic;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Sources;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>Turns the validated configuration into the pipeline's parts.</summary>
public sealed class PipelineFactory(SsdStreamOptions options, ContentRoot root, ILoggerFactory loggers)
{
    public string ModelPath => root.Resolve(options.Model.Path);

    public string ModelName => Path.GetFileName(ModelPath);

    public IReadOnlyList<CameraDefinition> Cameras() =>
        options.Cameras.Where(c => c.Enabled).Select(c => new CameraDefinition(
            c.Name,
            SourceFactory(c),
            new DetectionFilter(c.Filter.MinScore, c.Filter.Labels.ToHashSet(), c.Filter.ExcludeLabels.ToHashSet(), c.Filter.MinArea),
            new ReconnectPolicy(TimeSpan.FromSeconds(c.ReconnectInitialSeconds), TimeSpan.FromSeconds(c.ReconnectMaxSeconds)),
            TimeSpan.FromSeconds(c.StallTimeoutSeconds),
            c.QueueCapacity,
            // A file not played in real time is work to finish, not a live view: every frame is processed.
            c.Type == "file" && !c.Realtime ? FrameDelivery.Every : FrameDelivery.Newest)).ToList();

    private Func<IFrameSource> SourceFactory(CameraOptions c)
    {
        double? maxFps = c.MaxFps > 0 ? c.MaxFps : null;
        return c.Type switch
        {
            "file" => () => new VideoCaptureFrameSource(root.Resolve(c.Source), c.Loop, c.Realtime, maxFps),
            "device" => () => new VideoCaptureFrameSource(c.Source, loop: false, realtime: false, maxFps),
            "stream" => () => new FfmpegFrameSource(new FfmpegSourceOptions(c.Source, c.Transport, c.InputArguments, maxFps), loggers.CreateLogger<FfmpegFrameSource>()),
            "synthetic" => () => new SyntheticFrameSource(c.Synthetic.Width, c.Synthetic.Height, c.Synthetic.Fps, c.Synthetic.Seed,
                new SyntheticSceneOptions { MinSize = c.Synthetic.MinObjectSize, MaxSize = c.Synthetic.MaxObjectSize }),
            _ => throw new InvalidOperationException($"unknown camera type '{c.Type}'"),
        };
    }

    /// <summary>Loads the model; called on the inference thread, which then owns it.</summary>
    public IBatchDetector CreateDetector()
    {
        var device = ComputeDevice.Select(options.Model.Device, options.Model.Half);
        var post = new PostProcessOptions
        {
            ScoreThreshold = options.Model.ScoreThreshold,
            NmsThreshold = options.Model.NmsThreshold,
            MaxDetections = options.Model.MaxDetections,
        };
        return new SsdBatchDetector(new SsdDetector(ModelFile.Load(ModelPath), device, post), ModelName);
    }

    public BatchingOptions Batching() =>
        new(options.Inference.MaxBatch, TimeSpan.FromMilliseconds(options.Inference.MaxWaitMs), options.Model.Threads);

    /// <summary>The class names of the configured model, read from its header.</summary>
    public IReadOnlyList<string> Labels() =>
        ModelFile.ReadHeader(ModelPath)["class_names"]?.AsArray().Select(n => (string)n!).ToArray() ?? [];

    public DetectionPipeline CreatePipeline(PipelineMetrics metrics) =>
        new(Cameras(), CreateDetector, Batching(), metrics, loggers);

    /// <summary>MQTT settings for a broker at host:port (the embedded one, or the configured one).</summary>
    public MqttSettings Mqtt(string host, int port)
    {
        var m = options.Mqtt;
        return new MqttSettings
        {
            Host = host,
            Port = port,
            UseTls = m.Tls.Enabled,
            CaFile = string.IsNullOrEmpty(m.Tls.CaFile) ? null : root.Resolve(m.Tls.CaFile),
            ClientCertificateFile = string.IsNullOrEmpty(m.Tls.ClientCertificate) ? null : root.Resolve(m.Tls.ClientCertificate),
            ClientKeyFile = string.IsNullOrEmpty(m.Tls.ClientKey) ? null : root.Resolve(m.Tls.ClientKey),
            AllowUntrustedCertificates = m.Tls.AllowUntrusted,
            Username = string.IsNullOrEmpty(m.Username) ? null : m.Username,
            Password = string.IsNullOrEmpty(m.Password) ? null : m.Password,
            ClientId = m.ClientId,
            KeepAlive = TimeSpan.FromSeconds(m.KeepAliveSeconds),
            Qos = m.Qos,
            TopicPrefix = m.TopicPrefix,
            PublishEmptyFrames = m.PublishEmptyFrames,
            StatsInterval = TimeSpan.FromSeconds(m.StatsIntervalSeconds),
            OutboxSize = m.OutboxSize,
            HomeAssistantDiscovery = m.HomeAssistant.Enabled,
            DiscoveryPrefix = m.HomeAssistant.DiscoveryPrefix,
        };
    }
}
