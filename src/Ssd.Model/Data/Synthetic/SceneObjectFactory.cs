using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// Draws the look of new scene objects from a random stream: a uniformly chosen shape, a diameter uniform
/// in [<see cref="SyntheticSceneOptions.MinSize"/>, <see cref="SyntheticSceneOptions.MaxSize"/>] of the
/// frame's short side, a saturated fill colour, a dark outline on light fills and a light one on dark
/// fills, and a random rotation.
/// </summary>
internal sealed class SceneObjectFactory(SyntheticSceneOptions options)
{
    /// <summary>Outline width as a fraction of the diameter (at least 1 px).</summary>
    private const double OutlineFraction = 0.04;

    /// <summary>A new object at (0, 0), at rest; the caller places it and sets its motion.</summary>
    public SceneObject Create(Random random, int shortSide)
    {
        var shape = (SyntheticShape)random.Next(SyntheticShapes.Count);
        double diameter = shortSide * (options.MinSize + random.NextDouble() * (options.MaxSize - options.MinSize));
        double hue = random.NextDouble() * 360;
        double saturation = 0.45 + 0.55 * random.NextDouble();
        double value = 0.35 + 0.65 * random.NextDouble();
        var fill = Hsv(hue, saturation, value);
        bool lightFill = 0.114 * fill.Item0 + 0.587 * fill.Item1 + 0.299 * fill.Item2 > 110;
        byte edge = (byte)(lightFill ? random.Next(0, 40) : random.Next(215, 256));
        return new SceneObject
        {
            Shape = shape,
            X = 0,
            Y = 0,
            Radius = diameter / 2,
            Angle = random.NextDouble() * 360,
            Fill = fill,
            Outline = new Vec3b(edge, edge, edge),
            OutlineWidth = Math.Max(1, (int)Math.Round(diameter * OutlineFraction)),
        };
    }

    /// <summary>BGR of hue (degrees), saturation and value (0..1).</summary>
    internal static Vec3b Hsv(double hue, double saturation, double value) => Imaging.HsvColour.ToBgr(hue, saturation, value);
}
