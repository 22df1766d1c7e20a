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

    private BenchDetectors(IReadOnlyList<(InferenceEngine Engine, SsdDetector Detector)> engines, InferenceEngine pipeline, string modelName, SsdModel? randomModel)
    {
        Engines = engines;
        PipelineEngine = pipeline;
        ModelName = modelName;
        _randomModel = randomModel;
    }

    public IReadOnlyList<(InferenceEngine Engine, SsdDetector Detector)> Engines { get; }

    public InferenceEngine PipelineEngine { get; }

    public SsdDetector Pipeline => Engines.First(e => e.Engine == PipelineEngine).Detector;

    public string ModelName { get; }

    /// <summary>The detectors of <paramref name="model"/>, or of random weights of <paramref name="arch"/> (COCO's classes).</summary>
    public static BenchDetectors Open(FileInfo? model, string? arch, DetectorSettings settings)
    {
        var options = new PostProcessOptions();
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
                return new BenchDetectors(engines, pipeline, model.Name, null);
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
            return new BenchDetectors(engines, pipeline, $"{random.Architecture.Name} (random weights)", random);
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
        _randomModel?.Dispose();
    }
}
