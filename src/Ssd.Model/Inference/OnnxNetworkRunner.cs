using Microsoft.ML.OnnxRuntime;
using Ssd.Model.Devices;
using Microsoft.ML.OnnxRuntime.Tensors;
using Ssd.Model.Onnx;

namespace Ssd.Model.Inference;

/// <summary>
/// The network on ONNX Runtime: one session with every graph optimisation, fed and read in place (the
/// input and output spans are bound as the session's tensors, no copy). On a GPU build with a GPU, the CUDA
/// provider (TensorRT first when asked); otherwise the CPU provider.
/// </summary>
public sealed class OnnxNetworkRunner : INetworkRunner
{
    private static readonly string[] OutputNames = [OnnxExporter.LocsName, OnnxExporter.ConfsName];
    private static readonly string[] InputNames = [OnnxExporter.InputName];

    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly int _inputSize;
    private readonly int _classes;
    private readonly int _boxes;

    /// <param name="session">A session on a graph <see cref="OnnxExporter"/> wrote; owned by the runner.</param>
    /// <param name="provider">Which execution provider the session was made with.</param>
    internal OnnxNetworkRunner(InferenceSession session, string provider, bool half, bool spinning, int inputSize, int classes, int boxes)
    {
        _session = session;
        _inputSize = inputSize;
        _classes = classes;
        _boxes = boxes;
        Description = $"onnxruntime ({provider}{(half ? ", float16" : "")}{(spinning ? ", spinning" : "")})";
        Provider = provider;
        Half = half;
    }

    public string Description { get; }

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>tensorrt</c>.</summary>
    public string Provider { get; }

    public bool Half { get; }

    /// <summary>The session's metadata properties (what <see cref="OnnxModelInfo"/> reads).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _session.ModelMetadata.CustomMetadataMap;

    /// <inheritdoc/>
    public unsafe void Run(ReadOnlySpan<float> images, int count, Span<float> locs, Span<float> confs)
    {
        long imageLength = 3L * _inputSize * _inputSize;
        long locLength = 4L * _boxes * count, confLength = (long)_classes * _boxes * count;
        if (images.Length < count * imageLength) throw new ArgumentException($"images hold {images.Length} floats; {count} images need {count * imageLength}", nameof(images));
        if (locs.Length < locLength || confs.Length < confLength) throw new ArgumentException($"outputs hold {locs.Length} and {confs.Length} floats; {count} images need {locLength} and {confLength}");
        var memory = OrtMemoryInfo.DefaultInstance;
        fixed (float* input = images)
        fixed (float* l = locs)
        fixed (float* c = confs)
        {
            using var x = OrtValue.CreateTensorValueWithData(memory, TensorElementType.Float, [count, 3, _inputSize, _inputSize], (IntPtr)input, count * imageLength * sizeof(float));
            using var lv = OrtValue.CreateTensorValueWithData(memory, TensorElementType.Float, [count, 4, _boxes], (IntPtr)l, locLength * sizeof(float));
            using var cv = OrtValue.CreateTensorValueWithData(memory, TensorElementType.Float, [count, _classes, _boxes], (IntPtr)c, confLength * sizeof(float));
            _session.Run(_run, InputNames, [x], OutputNames, [lv, cv]);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _run.Dispose();
    }
}
