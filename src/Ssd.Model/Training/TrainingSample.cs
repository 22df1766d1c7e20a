using OpenCvSharp;

namespace Ssd.Model.Training;

/// <summary>
/// An image and its objects on the way through augmentation. The sample owns <see cref="Image"/>
/// (8-bit BGR) and disposes it; boxes are <c>[G, 4]</c> (x1, y1, x2, y2) as fractions 0..1 of the image,
/// labels <c>[G]</c> 1-based classes.
/// </summary>
public sealed class TrainingSample : IDisposable
{
    public TrainingSample(Mat image, float[] boxes, long[] labels)
    {
        if (boxes.Length != 4 * labels.Length) throw new ArgumentException($"{boxes.Length} box values for {labels.Length} labels", nameof(boxes));
        Image = image;
        Boxes = boxes;
        Labels = labels;
    }

    public Mat Image { get; private set; }

    public float[] Boxes { get; private set; }

    public long[] Labels { get; private set; }

    public int Count => Labels.Length;

    /// <summary>Replaces the image (disposing the old one) and, when given, the objects.</summary>
    public void Replace(Mat image, float[]? boxes = null, long[]? labels = null)
    {
        if (!ReferenceEquals(image, Image)) Image.Dispose();
        Image = image;
        if (boxes != null) Boxes = boxes;
        if (labels != null) Labels = labels;
    }

    public void Dispose() => Image.Dispose();
}
