namespace Ssd.Model.Inference;

/// <summary>How a detector is opened: engine, device, precision and threads (<c>SsdStream:Model</c>, or a command's options).</summary>
public sealed record DetectorSettings
{
    public InferenceEngine Engine { get; init; } = InferenceEngine.Auto;

    /// <summary><c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>float16 on a GPU (where it keeps the detections, for ONNX Runtime).</summary>
    public bool Half { get; init; }

    /// <summary>CPU threads of the engine (0: its default, one per core).</summary>
    public int Threads { get; init; }

    /// <summary>ONNX Runtime's intra-op threads spin between operators (see <see cref="OnnxRuntimeSettings.Spinning"/>).</summary>
    public bool Spinning { get; init; }

    /// <summary>ONNX Runtime tries TensorRT before CUDA on a GPU.</summary>
    public bool TensorRt { get; init; }

    public OnnxRuntimeSettings OnnxRuntime => new() { Threads = Threads, Spinning = Spinning, Device = Device, Half = Half, TensorRt = TensorRt };
}
