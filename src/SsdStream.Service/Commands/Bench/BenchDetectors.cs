using Ssd.Model.Checkpoints;
using Ssd.Model.Inference;
using Ssd.Model.Networks;
using Ssd.Model.Onnx;
using Ssd.Model.PostProcessing;

namespace SsdStream.Service.Commands.Bench;

/// <summary>
/// The bench's detectors, loaded once: one per engine that can run the model (TorchSharp needs an
/// <c>.ssdm</c> or random weights; ONNX Runtime runs any), and which of them the pipeline uses (the
/// <c>--engine</c> choice, auto as the daemon would pick).
/// </summary>
internal sealed class BenchDetectors : IDisposable
{
    private readonly SsdModel? _randomModel;
    private readonly PostProcessOptions _options;

    private BenchDetectors(IReadOnlyList<(InferenceEngine Engine, SsdDetector Detector)> engines, InferenceEngine pipeline, string modelName, SsdModel? randomModel,
        PostProcessOptions options)
    {
        _options = options;
        PipelineVariants = [engines.First(e => e.Engine == pipeline).Detector];
        Engines = engines;
        PipelineEngine = pipeline;
        ModelName = modelName;
        _randomModel = randomModel;
    }

    public IReadOnlyList<(InferenceEngine Engine, SsdDetector Detector)> Engines { get; }

    public InferenceEngine PipelineEngine { get; }

    public SsdDetector Pipeline => Engines.First(e => e.Engine == PipelineEngine).Detector;

    public string ModelName { get; }

    /// <summary>The detectors the pipeline slices run on: the pipeline's, and with <see cref="AddSpinningVariant"/> its other spinning.</summary>
    public IReadOnlyList<SsdDetector> PipelineVariants { get; private set; }

    /// <summary>
    /// Adds an ONNX Runtime detector like the pipeline's but with intra-op spinning the other way, so the
    /// pipeline slices measure both while the decoders run (what <c>Model:Spinning</c>'s default rests on).
    /// </summary>
    public void AddSpinningVariant(FileInfo? model, DetectorSettings settings)
    {
        if (PipelineEngine != InferenceEngine.OnnxRuntime) throw new ArgumentException("--compare-spinning compares ONNX Runtime's spinning; the pipeline runs on torch");
        var other = settings with { Engine = InferenceEngine.OnnxRuntime, Spinning = !settings.Spinning };
        var detector = model is not null
            ? CliOptions.OpenDetector(model.FullName, other, _options)
            : DetectorLoader.Open(_randomModel!, other, _options);
        _variants.Add(detector);
        PipelineVariants = [.. PipelineVariants, detector];
    }

    private readonly List<SsdDetector> _variants = [];

    /// <summary>The detectors of <paramref name="model"/>, or of random weights of <paramref name="arch"/> (COCO's classes).</summary>
    public static BenchDetectors Open(FileInfo? model, string? arch, DetectorSettings settings, PostProcessOptions options)
    {
        var pipeline = DetectorLoader.Choose(model?.FullName, settings);
        var engines = new List<(InferenceEngine, SsdDetector)>();
        try
        {
            if (model is not null)
            {
                if (!model.Exists) throw new FileNotFoundException($"--model '{model.FullName}' does not exist", model.FullName);
                foreach (var engine in new[] { InferenceEngine.Torch, InferenceEngine.OnnxRuntime })
                {
                    if (engine == InferenceEngine.Torch && OnnxModelInfo.IsOnnx(model.FullName)) continue;
                    if (engine == InferenceEngine.OnnxRuntime && !OnnxSessions.Available && pipeline != engine) continue;
                    engines.Add((engine, CliOptions.OpenDetector(model.FullName, settings with { Engine = engine }, options)));
                }
                return new BenchDetectors(engines, pipeline, model.Name, null, options);
            }
            if (arch is null) throw new ArgumentException("give --model <file> (or --arch <arch> for random weights)");
            var random = SsdModel.Create(SsdArchitecture.Parse(arch), ClassNames.Coco);
            try
            {
                foreach (var engine in new[] { InferenceEngine.Torch, InferenceEngine.OnnxRuntime })
                {
                    if (engine == InferenceEngine.OnnxRuntime && !OnnxSessions.Available && pipeline != engine) continue;
                    engines.Add((engine, DetectorLoader.Open(random, settings with { Engine = engine }, options)));
                }
            }
            catch
            {
                random.Dispose();
                throw;
            }
            return new BenchDetectors(engines, pipeline, $"{random.Architecture.Name} (random weights)", random, options);
        }
        catch
        {
            foreach (var (_, d) in engines) d.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var (_, d) in Engines) d.Dispose();
        foreach (var d in _variants) d.Dispose();
        _randomModel?.Dispose();
    }
}
