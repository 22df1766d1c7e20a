namespace Ssd.Model.Data;

/// <summary>
/// Checks an annotated box against its image: corners (x1, y1, x2, y2) in pixels may lie at most
/// <see cref="Tolerance"/> pixels outside the image and are then clamped to it; a box must keep a
/// positive width and height.
/// </summary>
internal static class AnnotationBox
{
    /// <summary>How far, in pixels, a corner may lie outside the image (rounding in annotation tools).</summary>
    public const double Tolerance = 1.0;

    /// <summary>
    /// The clamped box, or null with <paramref name="problem"/> saying what is wrong: a coordinate that is
    /// not finite, a box outside the image by more than the tolerance, or a box with no area.
    /// </summary>
    public static (float X1, float Y1, float X2, float Y2)? Fit(double x1, double y1, double x2, double y2, int width, int height, out string problem)
    {
        problem = "";
        if (!double.IsFinite(x1) || !double.IsFinite(y1) || !double.IsFinite(x2) || !double.IsFinite(y2))
        {
            problem = $"box [{x1}, {y1}, {x2}, {y2}] has a coordinate that is not a finite number";
            return null;
        }
        if (x1 < -Tolerance || y1 < -Tolerance || x2 > width + Tolerance || y2 > height + Tolerance)
        {
            problem = $"box [x1 {x1}, y1 {y1}, x2 {x2}, y2 {y2}] lies outside the {width}x{height} image by more than {Tolerance} px";
            return null;
        }
        double cx1 = Math.Clamp(x1, 0, width), cy1 = Math.Clamp(y1, 0, height);
        double cx2 = Math.Clamp(x2, 0, width), cy2 = Math.Clamp(y2, 0, height);
        if (cx2 <= cx1 || cy2 <= cy1)
        {
            problem = $"box [x1 {x1}, y1 {y1}, x2 {x2}, y2 {y2}] has no area inside the {width}x{height} image";
            return null;
        }
        return ((float)cx1, (float)cy1, (float)cx2, (float)cy2);
    }
}
