namespace Ssd.Model.Inference;

/// <summary>How ONNX Runtime sessions run (<c>SsdStream:Model</c>'s Threads, Device, Half, Spinning, TensorRt).</summary>
public sealed record OnnxRuntimeSettings
{
    /// <summary>Intra-op threads (0: ONNX Runtime's default, one per physical core).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Whether the intra-op threads spin between operators instead of sleeping. Off by default: measured
    /// with video decoders running beside inference, spinning threads take the cores the decoders need
    /// (docs/onnx.md has the figures).
    /// </summary>
    public bool Spinning { get; init; }

    /// <summary><c>auto</c> (CUDA when this build has it and a GPU answers), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>float16 inside the graph on CUDA, when it keeps the detections (checked at load).</summary>
    public bool Half { get; init; }

    /// <summary>Try TensorRT before CUDA on a GPU (its engines take minutes to build at the first start).</summary>
    public bool TensorRt { get; init; }
}
