namespace Ssd.Model.Inference;

/// <summary>Which engine runs the network (<c>Model:Engine</c>, <c>--engine</c>).</summary>
public enum InferenceEngine
{
    /// <summary>ONNX Runtime whenever it can run the model on the device asked for; TorchSharp otherwise.</summary>
    Auto,

    /// <summary>TorchSharp (libtorch): what training uses; needs an <c>.ssdm</c>.</summary>
    Torch,

    /// <summary>ONNX Runtime, from an <c>.onnx</c> or an <c>.ssdm</c> exported at load.</summary>
    OnnxRuntime,
}

/// <summary>The engines' names on the command line and in the configuration.</summary>
public static class InferenceEngines
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "torch", "onnxruntime"];

    /// <summary>The engine of that name (auto, torch, onnxruntime; any case).</summary>
    public static InferenceEngine Parse(string name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "auto" => InferenceEngine.Auto,
        "torch" => InferenceEngine.Torch,
        "onnxruntime" => InferenceEngine.OnnxRuntime,
        _ => throw new ArgumentException($"unknown engine '{name}'; use {string.Join(", ", Names)}", nameof(name)),
    };

    public static bool IsName(string? name) => name is not null && Names.Contains(name.Trim().ToLowerInvariant());
}
