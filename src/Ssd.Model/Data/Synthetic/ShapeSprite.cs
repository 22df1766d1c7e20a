using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// A scene object rasterised with anti-aliasing: 8-bit alpha masks of its fill and of its outline over
/// <see cref="Bounds"/>, a rectangle in frame pixels that may reach past the frame. A pixel belongs to the
/// shape when either alpha is non-zero.
/// </summary>
internal sealed class ShapeSprite : IDisposable
{
    // Sub-pixel precision of OpenCV's drawing functions: coordinates are in 1/16 pixel.
    private const int Shift = 4;
    private const double One = 1 << Shift;

    // Proportions of the shapes, as fractions of the circumscribed radius.
    private const double StarInner = 0.45;
    private const double CrossHalfWidth = 0.32;
    private const double RingInner = 0.55;

    private ShapeSprite(SyntheticShape shape, Rect bounds, Mat fill, Mat outline, int area, Vec3b fillColour, Vec3b outlineColour)
    {
        Shape = shape;
        Bounds = bounds;
        FillAlpha = fill;
        OutlineAlpha = outline;
        Area = area;
        FillColour = fillColour;
        OutlineColour = outlineColour;
    }

    public SyntheticShape Shape { get; }

    public Rect Bounds { get; }

    /// <summary>CV_8UC1 of <see cref="Bounds"/>' size: how much of each pixel the fill covers (0..255).</summary>
    public Mat FillAlpha { get; }

    /// <summary>CV_8UC1 of <see cref="Bounds"/>' size: how much of each pixel the outline covers (0..255).</summary>
    public Mat OutlineAlpha { get; }

    /// <summary>Pixels the whole shape covers, also those past the frame.</summary>
    public int Area { get; }

    public Vec3b FillColour { get; }

    public Vec3b OutlineColour { get; }

    public static ShapeSprite Draw(SceneObject o)
    {
        int left = (int)Math.Floor(o.X - o.Reach), top = (int)Math.Floor(o.Y - o.Reach);
        int right = (int)Math.Ceiling(o.X + o.Reach), bottom = (int)Math.Ceiling(o.Y + o.Reach);
        var bounds = new Rect(left, top, right - left + 1, bottom - top + 1);
        var fill = new Mat(bounds.Height, bounds.Width, MatType.CV_8UC1, Scalar.All(0));
        var outline = new Mat(bounds.Height, bounds.Width, MatType.CV_8UC1, Scalar.All(0));
        double cx = o.X - left, cy = o.Y - top, r = o.Radius;
        var white = Scalar.All(255);
        var centre = new Point(Fixed(cx), Fixed(cy));
        switch (o.Shape)
        {
            case SyntheticShape.Circle:
                Cv2.Circle(fill, centre, Fixed(r), white, -1, LineTypes.AntiAlias, Shift);
                Cv2.Circle(outline, centre, Fixed(r), white, o.OutlineWidth, LineTypes.AntiAlias, Shift);
                break;
            case SyntheticShape.Ring:
                Cv2.Circle(fill, centre, Fixed(r), white, -1, LineTypes.AntiAlias, Shift);
                Cv2.Circle(fill, centre, Fixed(r * RingInner), Scalar.All(0), -1, LineTypes.AntiAlias, Shift);
                Cv2.Circle(outline, centre, Fixed(r), white, o.OutlineWidth, LineTypes.AntiAlias, Shift);
                Cv2.Circle(outline, centre, Fixed(r * RingInner), white, o.OutlineWidth, LineTypes.AntiAlias, Shift);
                break;
            default:
                Point[][] polygon = [Polygon(o.Shape, cx, cy, r, o.Angle)];
                Cv2.FillPoly(fill, polygon, white, LineTypes.AntiAlias, Shift);
                Cv2.Polylines(outline, polygon, true, white, o.OutlineWidth, LineTypes.AntiAlias, Shift);
                break;
        }
        using var coverage = new Mat();
        Cv2.Max(fill, outline, coverage);
        return new ShapeSprite(o.Shape, bounds, fill, outline, Cv2.CountNonZero(coverage), o.Fill, o.Outline);
    }

    /// <summary>Vertices (fixed point) of a polygonal shape centred at (cx, cy) with circumscribed radius r, rotated by angle degrees.</summary>
    private static Point[] Polygon(SyntheticShape shape, double cx, double cy, double r, double angle)
    {
        // Unrotated vertices as (radius, angle in degrees) or as (x, y) offsets.
        (double X, double Y)[] offsets = shape switch
        {
            SyntheticShape.Square => Regular(4, r, 45),
            SyntheticShape.Triangle => Regular(3, r, -90),
            SyntheticShape.Star => Enumerable.Range(0, 10)
                .Select(i => Polar(i % 2 == 0 ? r : r * StarInner, -90 + 36 * i)).ToArray(),
            SyntheticShape.Cross => Cross(r),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "not a polygonal shape"),
        };
        double a = angle * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
        return offsets.Select(p => new Point(Fixed(cx + p.X * cos - p.Y * sin), Fixed(cy + p.X * sin + p.Y * cos))).ToArray();
    }

    private static (double X, double Y)[] Regular(int n, double r, double startDegrees) =>
        Enumerable.Range(0, n).Select(i => Polar(r, startDegrees + 360.0 * i / n)).ToArray();

    private static (double X, double Y) Polar(double r, double degrees) =>
        (r * Math.Cos(degrees * Math.PI / 180), r * Math.Sin(degrees * Math.PI / 180));

    /// <summary>A plus sign whose arm ends' corners lie on the circle of radius r.</summary>
    private static (double X, double Y)[] Cross(double r)
    {
        double arm = r / Math.Sqrt(1 + CrossHalfWidth * CrossHalfWidth), w = arm * CrossHalfWidth;
        return [(-w, -arm), (w, -arm), (w, -w), (arm, -w), (arm, w), (w, w), (w, arm), (-w, arm), (-w, w), (-arm, w), (-arm, -w), (-w, -w)];
    }

    private static int Fixed(double v) => (int)Math.Round(v * One);

    public void Dispose()
    {
        FillAlpha.Dispose();
        OutlineAlpha.Dispose();
    }
}
