using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// A box as corners [x1, y1, x2, y2] (x1 &lt;= x2, y1 &lt;= y2). The unit is its owner's to say: pixels of
/// the frame or fractions 0..1 of it; every property that holds one names which.
/// </summary>
public readonly record struct CornerBox(float X1, float Y1, float X2, float Y2)
{
    /// <summary>The detection's box in pixels of the frame.</summary>
    public static CornerBox PixelsOf(PixelDetection d) => new(d.X1, d.Y1, d.X2, d.Y2);

    /// <summary>The detection's box in fractions 0..1 of the frame.</summary>
    public static CornerBox NormalisedOf(PixelDetection d) => new(d.NX1, d.NY1, d.NX2, d.NY2);

    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    public float Area => (X2 - X1) * (Y2 - Y1);

    /// <summary>The box grown by <paramref name="share"/> of its width and height on each side (same unit).</summary>
    public CornerBox Widened(double share)
    {
        float dx = (float)(share * (X2 - X1)), dy = (float)(share * (Y2 - Y1));
        return new CornerBox(X1 - dx, Y1 - dy, X2 + dx, Y2 + dy);
    }

    /// <summary>IoU with <paramref name="other"/> (same unit); 0 when they do not overlap or both are empty.</summary>
    public float Iou(CornerBox other) =>
        Ssd.Model.Boxes.Iou.Of(X1, Y1, X2, Y2, other.X1, other.Y1, other.X2, other.Y2);
}
