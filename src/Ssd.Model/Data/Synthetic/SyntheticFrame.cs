using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// A rendered scene: the 8-bit BGR <see cref="Image"/> and its ground truth, one <see cref="DatasetObject"/> per
/// visible shape (class id from <see cref="SyntheticShapes"/>, box [x1, y1, x2, y2] in pixels tight around the
/// shape's visible pixels, area = box area, never crowd). Disposing disposes the image.
/// </summary>
public sealed class SyntheticFrame(Mat image, IReadOnlyList<DatasetObject> objects) : IDisposable
{
    public Mat Image { get; } = image;

    public IReadOnlyList<DatasetObject> Objects { get; } = objects;

    public void Dispose() => Image.Dispose();
}
