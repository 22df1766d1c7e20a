using OpenCvSharp;
using Ssd.Model.Inference;

namespace Ssd.Model.Training;

/// <summary>
/// The reference training augmentation (docs/model.md): SSD random crop, resize to the input size,
/// horizontal flip (p = 0.5), colour jitter, normalise. The validation path is resize and normalise only.
/// </summary>
public sealed class SsdTrainingTransform
{
    private readonly SsdRandomCrop _crop = new();
    private readonly RandomHorizontalFlip _flip = new();
    private readonly ColorJitter _jitter = new();
    private readonly ImagePreprocessor _preprocessor;

    public SsdTrainingTransform(int size) => _preprocessor = new ImagePreprocessor(size);

    public int Size => _preprocessor.Size;

    /// <summary>
    /// Augments <paramref name="sample"/> in place and writes the network input <c>[3, S, S]</c> into
    /// <paramref name="chw"/>; the sample's boxes are then fractions of the augmented image.
    /// </summary>
    public void Apply(TrainingSample sample, Random random, Span<float> chw)
    {
        _crop.Apply(sample, random);
        Resize(sample, Size);
        _flip.Apply(sample, random);
        _jitter.Apply(sample, random);
        _preprocessor.Write(sample.Image, chw);
    }

    /// <summary>Validation: resize and normalise only.</summary>
    public void ApplyValidation(TrainingSample sample, Span<float> chw) => _preprocessor.Write(sample.Image, chw);

    /// <summary>Resizes the sample's image to size x size (boxes are fractions and stay as they are).</summary>
    internal static void Resize(TrainingSample sample, int size)
    {
        if (sample.Image.Width == size && sample.Image.Height == size) return;
        var resized = new Mat();
        Cv2.Resize(sample.Image, resized, new Size(size, size), 0, 0, InterpolationFlags.Linear);
        sample.Replace(resized);
    }
}
