using System.Globalization;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// A closed polygon in fractions 0..1 of the frame (x to the right, y down), its corners in order
/// (either winding; the last corner joins the first). A point on an edge or at a corner counts as
/// inside (within <see cref="EdgeTolerance"/>), so a zone drawn along the frame's border holds the
/// objects standing on that border, and two zones that share an edge both hold a point on it.
/// </summary>
public sealed class Polygon
{
    /// <summary>
    /// A point this close to an edge (in fractions of the frame) is on it: 1e-6, above the rounding of a
    /// detection's single-precision fractions (about 6e-8 near 1) and far below a pixel (1/4096 at 4K).
    /// </summary>
    public const double EdgeTolerance = 1e-6;

    private readonly double[] _x;
    private readonly double[] _y;

    /// <summary>
    /// The polygon of <paramref name="coordinates"/>, flat corner pairs x0, y0, x1, y1, ... in 0..1.
    /// Throws <see cref="ArgumentException"/> with the first of <see cref="Check"/>'s lines when they are bad.
    /// </summary>
    public Polygon(IReadOnlyList<double> coordinates)
    {
        var errors = Check(coordinates);
        if (errors.Count > 0) throw new ArgumentException(errors[0]);
        int n = coordinates.Count / 2;
        _x = new double[n];
        _y = new double[n];
        for (int i = 0; i < n; i++)
        {
            _x[i] = coordinates[2 * i];
            _y[i] = coordinates[2 * i + 1];
        }
    }

    /// <summary>Number of corners.</summary>
    public int Count => _x.Length;

    /// <summary>
    /// What is wrong with <paramref name="coordinates"/> as a polygon (flat x, y pairs in 0..1, at least
    /// three corners), one line each without the setting's name (the caller prefixes it); empty when good.
    /// </summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<double> coordinates)
    {
        var errors = new List<string>();
        if (coordinates.Count % 2 != 0)
            errors.Add($"has {coordinates.Count} numbers; it needs x, y pairs");
        else if (coordinates.Count < 6)
            errors.Add($"has {coordinates.Count / 2} corner{(coordinates.Count == 2 ? "" : "s")}; a polygon needs at least 3");
        for (int i = 0; i < coordinates.Count; i++)
        {
            double v = coordinates[i];
            if (!(v >= 0 && v <= 1))
            {
                errors.Add($"number {i + 1} ({v.ToString(CultureInfo.InvariantCulture)}) is outside 0..1 (fractions of the frame)");
                break;
            }
        }
        return errors;
    }

    /// <summary>
    /// Whether point (<paramref name="x"/>, <paramref name="y"/>) in fractions 0..1 of the frame is inside,
    /// on an edge or at a corner.
    /// </summary>
    public bool Contains(double x, double y)
    {
        int n = _x.Length;
        bool inside = false;
        for (int i = 0, j = n - 1; i < n; j = i++)
        {
            double xi = _x[i], yi = _y[i], xj = _x[j], yj = _y[j];
            if (OnSegment(x, y, xj, yj, xi, yi)) return true;
            // Crossing number: a ray to the right of the point crosses edge (j, i).
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }

    private static bool OnSegment(double px, double py, double ax, double ay, double bx, double by)
    {
        double dx = bx - ax, dy = by - ay;
        double lengthSquared = dx * dx + dy * dy;
        double t = lengthSquared > 0 ? Math.Clamp(((px - ax) * dx + (py - ay) * dy) / lengthSquared, 0, 1) : 0;
        double ex = ax + t * dx - px, ey = ay + t * dy - py;
        return ex * ex + ey * ey <= EdgeTolerance * EdgeTolerance;
    }
}
