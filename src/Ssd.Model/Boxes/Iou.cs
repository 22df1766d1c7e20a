namespace Ssd.Model.Boxes;

/// <summary>Intersection over union of corner boxes (x1, y1, x2, y2), no +1 pixel convention.</summary>
public static class Iou
{
    /// <summary>IoU of box a and box b; 0 when both are empty.</summary>
    public static float Of(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2)
    {
        float iw = MathF.Min(ax2, bx2) - MathF.Max(ax1, bx1);
        float ih = MathF.Min(ay2, by2) - MathF.Max(ay1, by1);
        if (iw <= 0 || ih <= 0) return 0f;
        float inter = iw * ih;
        float union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return union > 0 ? inter / union : 0f;
    }

    /// <summary>IoU of boxes i and j of a flat <c>[K, 4]</c> array of corner boxes.</summary>
    public static float Of(ReadOnlySpan<float> xyxy, int i, int j) =>
        Of(xyxy[4 * i], xyxy[4 * i + 1], xyxy[4 * i + 2], xyxy[4 * i + 3],
           xyxy[4 * j], xyxy[4 * j + 1], xyxy[4 * j + 2], xyxy[4 * j + 3]);
}
