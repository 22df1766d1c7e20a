using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// Paints a cluttered 8-bit BGR background from a random stream: a smooth colour field (a coarse grid of
/// random colours, bilinearly enlarged), translucent soft blobs (blurred ellipses), and sharp random
/// lines. Nothing in it is a filled shape with an outline, so it never looks like an object.
/// </summary>
internal static class BackgroundPainter
{
    /// <summary>The colour field and blobs are painted at this fraction of the size, then enlarged: they are smooth anyway.</summary>
    private const int Reduction = 4;

    public static Mat Paint(int width, int height, Random random)
    {
        int shortSide = Math.Min(width, height);
        int smallWidth = Math.Max(8, width / Reduction), smallHeight = Math.Max(8, height / Reduction);
        int smallShort = Math.Min(smallWidth, smallHeight);

        // Colour field.
        int gridX = 2 + random.Next(3), gridY = 2 + random.Next(3);
        using var grid = new Mat(gridY, gridX, MatType.CV_8UC3);
        for (int y = 0; y < gridY; y++)
        {
            for (int x = 0; x < gridX; x++) grid.Set(y, x, RandomColour(random, 30, 226));
        }
        using var small = new Mat();
        Cv2.Resize(grid, small, new Size(smallWidth, smallHeight), 0, 0, InterpolationFlags.Linear);

        // Soft blobs, blended in and blurred.
        using (var blobs = small.Clone())
        {
            int count = 4 + random.Next(12);
            for (int i = 0; i < count; i++)
            {
                var centre = new Point(random.Next(smallWidth), random.Next(smallHeight));
                var axes = new Size(smallShort * (0.03 + 0.22 * random.NextDouble()), smallShort * (0.03 + 0.22 * random.NextDouble()));
                Cv2.Ellipse(blobs, centre, axes, random.NextDouble() * 180, 0, 360, ToScalar(RandomColour(random, 0, 256)), -1, LineTypes.AntiAlias);
            }
            double opacity = 0.35 + 0.35 * random.NextDouble();
            Cv2.AddWeighted(small, 1 - opacity, blobs, opacity, 0, small);
        }
        double sigma = smallShort * (0.004 + 0.01 * random.NextDouble());
        Cv2.GaussianBlur(small, small, new Size(0, 0), Math.Max(0.5, sigma));
        var image = new Mat();
        Cv2.Resize(small, image, new Size(width, height), 0, 0, InterpolationFlags.Linear);

        // Sharp lines.
        int lines = 3 + random.Next(16);
        for (int i = 0; i < lines; i++)
        {
            var from = new Point(random.Next(width), random.Next(height));
            var to = new Point(random.Next(width), random.Next(height));
            Cv2.Line(image, from, to, ToScalar(RandomColour(random, 0, 256)), 1 + random.Next(3), LineTypes.AntiAlias);
        }
        return image;
    }

    private static Vec3b RandomColour(Random random, int min, int max) =>
        new((byte)random.Next(min, max), (byte)random.Next(min, max), (byte)random.Next(min, max));

    private static Scalar ToScalar(Vec3b c) => new(c.Item0, c.Item1, c.Item2);
}
