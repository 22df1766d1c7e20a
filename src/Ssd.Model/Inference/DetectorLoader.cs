using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Onnx;
using Ssd.Model.PostProcessing;

namespace Ssd.Model.Inference;

/// <summary>
/// Opens a model file as a detector on the engine the settings ask for: TorchSharp from an <c>.ssdm</c>,
/// ONNX Runtime from an <c>.onnx</c> or from an <c>.ssdm</c> exported at load (<see cref="OnnxModelCache"/>).
/// <c>auto</c> takes ONNX Runtime whenever it can run the model on the device asked for.
/// </summary>
public static class DetectorLoader
{
    /// <summary>
    /// The detector of <paramref name="path"/>. <paramref name="note"/> is told, one line each, what a user
    /// should know (float16 not used, an export kept in memory). TorchSharp's thread count is the caller's
    /// (<see cref="TorchRuntime.Initialise"/>).
    /// </summary>
    public static SsdDetector Open(string path, DetectorSettings settings, PostProcessOptions options, Action<string>? note = null)
    {
        if (Choose(path, settings) == InferenceEngine.Torch)
        {
            if (OnnxModelInfo.IsOnnx(path))
                throw new CheckpointException($"{path}: the torch engine runs model files (.ssdm); an .onnx file runs on onnxruntime");
            var device = ComputeDevice.Select(settings.Device, settings.Half);
            if (ComputeDevice.HalfNote(settings.Half, device) is { } halfNote) note?.Invoke(halfNote);
            return new SsdDetector(ModelFile.Load(path), device, options);
        }
        var description = ModelDescription.Read(path);
        var onnxSettings = settings.OnnxRuntime;
        if (OnnxModelInfo.IsOnnx(path))
        {
            bool halfGraph = OnnxModelInfo.IsHalf(path);
            return new SsdDetector(OnnxSessions.Open(File.ReadAllBytes(path), description, onnxSettings, halfGraph), description, options);
        }
        var runner = OnnxSessions.Open(OnnxModelCache.Load(path, half: false, note), description, onnxSettings);
        if (!settings.Half) return new SsdDetector(runner, description, options);
        if (runner.Provider == "cpu")
        {
            note?.Invoke($"float16 needs a GPU; running float32 on the {runner.Provider}");
            return new SsdDetector(runner, description, options);
        }
        var half = OnnxSessions.Open(OnnxModelCache.Load(path, half: true, note), description, onnxSettings, half: true);
        if (HalfPrecisionCheck.KeepsDetections(runner, half, description, options) is { } difference)
        {
            half.Dispose();
            note?.Invoke($"float16 changes the detections ({difference}); running float32");
            return new SsdDetector(runner, description, options);
        }
        runner.Dispose();
        return new SsdDetector(half, description, options);
    }

    /// <summary>
    /// A detector on a model in memory (random weights for a benchmark, say): TorchSharp runs it as it is
    /// (the caller keeps owning it), ONNX Runtime runs its export, made in memory. Float32; the CPU or, for
    /// ONNX Runtime's GPU build and for TorchSharp, the device asked for.
    /// </summary>
    public static SsdDetector Open(SsdModel model, DetectorSettings settings, PostProcessOptions options)
    {
        var description = ModelDescription.Of(model);
        if (settings.Engine == InferenceEngine.Torch)
            return new SsdDetector(model, ComputeDevice.Select(settings.Device, settings.Half), options, ownsModel: false);
        return new SsdDetector(OnnxSessions.Open(OnnxExporter.ToBytes(model), description, settings.OnnxRuntime), description, options);
    }

    /// <summary>
    /// The engine that runs <paramref name="path"/> under <paramref name="settings"/>: the one asked for, or
    /// for <c>auto</c>, ONNX Runtime unless it cannot load here, or unless a GPU is wanted that only
    /// TorchSharp can use (the CPU build of ONNX Runtime beside a CUDA libtorch).
    /// </summary>
    public static InferenceEngine Choose(string? path, DetectorSettings settings)
    {
        if (settings.Engine != InferenceEngine.Auto) return settings.Engine;
        if (path is not null && OnnxModelInfo.IsOnnx(path)) return InferenceEngine.OnnxRuntime;
        if (!OnnxSessions.Available) return InferenceEngine.Torch;
        var device = settings.Device.Trim().ToLowerInvariant();
        if (device == "cpu" || OnnxSessions.BuildHasCuda) return InferenceEngine.OnnxRuntime;
        if (device != "auto") return InferenceEngine.Torch; // cuda or cuda:N asked of a CPU-only ONNX Runtime
        TorchRuntime.Initialise();
        return TorchSharp.torch.cuda.is_available() ? InferenceEngine.Torch : InferenceEngine.OnnxRuntime;
    }
}
