namespace Ssd.Model.Inference;

/// <summary>
/// Runs the network alone, on one engine (TorchSharp or ONNX Runtime): a batch of preprocessed images in,
/// the raw outputs out as managed arrays. Not thread-safe: one thread owns a runner.
/// </summary>
public interface INetworkRunner : IDisposable
{
    /// <summary>Engine and device, as a user reads it: <c>torch (cpu)</c>, <c>onnxruntime (cuda, float16)</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Runs the network on <paramref name="count"/> images. <paramref name="images"/>: <c>[count, 3, S, S]</c>
    /// normalised RGB (<see cref="ImagePreprocessor"/>). Writes <paramref name="locs"/>: <c>[count, 4, B]</c> box
    /// offsets and <paramref name="confs"/>: <c>[count, C, B]</c> class logits, float32, B default boxes in
    /// <see cref="Boxes.DefaultBoxes"/> order.
    /// </summary>
    void Run(ReadOnlySpan<float> images, int count, Span<float> locs, Span<float> confs);
}
