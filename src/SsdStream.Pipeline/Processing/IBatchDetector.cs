using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// What the inference worker runs: preprocessing for its input and detection on a batch. Created and
/// used on the worker's own thread only.
/// </summary>
public interface IBatchDetector : IDisposable
{
    string ModelName { get; }

    ImagePreprocessor Preprocessor { get; }

    string Label(int classId);

    /// <summary><paramref name="inputs"/>: <c>[count, 3, S, S]</c> as the preprocessor writes it; boxes in 0..1 of each image.</summary>
    Detection[][] Detect(ReadOnlySpan<float> inputs, int count);
}

/// <summary>An <see cref="SsdDetector"/> as the pipeline's detector.</summary>
public sealed class SsdBatchDetector(SsdDetector detector, string modelName) : IBatchDetector
{
    public string ModelName { get; } = modelName;

    public ImagePreprocessor Preprocessor => detector.Preprocessor;

    public string Label(int classId) => detector.Label(classId);

    public Detection[][] Detect(ReadOnlySpan<float> inputs, int count) => detector.Detect(inputs, count);

    public void Dispose() => detector.Dispose();
}
