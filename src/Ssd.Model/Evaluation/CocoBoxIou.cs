namespace Ssd.Model.Evaluation;

/// <summary>
/// The overlap COCO uses for boxes <c>[x, y, w, h]</c> (continuous coordinates, no +1 pixel): intersection
/// over union of the two box areas w·h, or, against a crowd region, intersection over the detection's box
/// area, so that a detection lying wholly inside a crowd region scores 1.
/// </summary>
internal static class CocoBoxIou
{
    /// <summary>Overlap of detection <paramref name="d"/> with ground truth <paramref name="g"/>; 0 when they do not intersect.</summary>
    public static double Of(EvalDetection d, EvalGroundTruth g)
    {
        double iw = Math.Min(d.X + d.Width, g.X + g.Width) - Math.Max(d.X, g.X);
        if (iw <= 0) return 0;
        double ih = Math.Min(d.Y + d.Height, g.Y + g.Height) - Math.Max(d.Y, g.Y);
        if (ih <= 0) return 0;
        double intersection = iw * ih;
        double detectionArea = d.Width * d.Height;
        double union = g.IsCrowd ? detectionArea : detectionArea + g.Width * g.Height - intersection;
        return intersection / union;
    }
}
