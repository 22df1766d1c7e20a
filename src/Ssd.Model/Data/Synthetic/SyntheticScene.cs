using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// Renders still synthetic scenes: a cluttered background (<see cref="BackgroundPainter"/>), then
/// <see cref="SyntheticSceneOptions.MinObjects"/> to <see cref="SyntheticSceneOptions.MaxObjects"/> shapes of the
/// <see cref="SyntheticShapes"/> classes (solid fill, contrasting outline, random colour, size and rotation),
/// wholly inside the frame and overlapping now and then, but never hiding more than
/// <see cref="SyntheticSceneOptions.MaxOcclusion"/> of another; then sensor noise over everything.
/// <para>Deterministic: the same seed and size give byte-identical pixels. The background, the objects and
/// the noise come from three streams derived from the seed, so a scene rendered with no objects has
/// exactly the background and noise of the same seed's scene with objects.</para>
/// </summary>
public sealed class SyntheticScene
{
    /// <summary>Placements tried per object before leaving it out.</summary>
    private const int PlacementAttempts = 30;

    /// <summary>Chance that an object is placed against an earlier one, to make partial overlaps common.</summary>
    private const double OverlapChance = 0.3;

    private readonly SceneObjectFactory _factory;

    public SyntheticScene(SyntheticSceneOptions? options = null)
    {
        Options = options ?? new SyntheticSceneOptions();
        Options.Validate();
        _factory = new SceneObjectFactory(Options);
    }

    public SyntheticSceneOptions Options { get; }

    /// <summary>Class names in class-id order (<see cref="SyntheticShapes.ClassNames"/>).</summary>
    public static IReadOnlyList<string> ClassNames => SyntheticShapes.ClassNames;

    /// <summary>Renders a <paramref name="width"/> x <paramref name="height"/> scene (each at least 32 px).</summary>
    public SyntheticFrame Render(int width, int height, int seed)
    {
        if (width < 32 || height < 32) throw new ArgumentException($"a scene must be at least 32x32 pixels, got {width}x{height}");
        var root = new Random(seed);
        var backgroundRandom = new Random(root.Next());
        var objectRandom = new Random(root.Next());
        var noiseRandom = new Random(root.Next());

        var image = BackgroundPainter.Paint(width, height, backgroundRandom);
        using var canvas = new SceneCanvas(width, height);
        int count = objectRandom.Next(Options.MinObjects, Options.MaxObjects + 1);
        for (int i = 0; i < count; i++) Place(canvas, objectRandom, width, height);
        canvas.Paint(image);
        SensorNoise.Add(image, noiseRandom, 2 + 6 * noiseRandom.NextDouble());

        var truth = new List<DatasetObject>();
        for (int i = 0; i < canvas.Count; i++)
        {
            if (canvas.VisibleBox(i) is not var (x1, y1, x2, y2)) continue;
            truth.Add(new DatasetObject(SyntheticShapes.ClassId(canvas[i].Shape), x1, y1, x2, y2, false, (double)(x2 - x1) * (y2 - y1)));
        }
        return new SyntheticFrame(image, truth);
    }

    /// <summary>
    /// Draws one new object and tries positions for it, wholly inside the frame, until one hides no more
    /// than <see cref="SyntheticSceneOptions.MaxOcclusion"/> of any object already placed; leaves it out
    /// when none does.
    /// </summary>
    private void Place(SceneCanvas canvas, Random random, int width, int height)
    {
        var o = _factory.Create(random, Math.Min(width, height));
        for (int attempt = 0; attempt < PlacementAttempts; attempt++)
        {
            double x, y;
            if (canvas.Count > 0 && random.NextDouble() < OverlapChance)
            {
                // Against an earlier object: centres a bit closer than the sum of the radii.
                var other = canvas[random.Next(canvas.Count)].Bounds;
                double otherRadius = other.Width / 2.0;
                double distance = (otherRadius + o.Radius) * (0.55 + 0.4 * random.NextDouble());
                double direction = random.NextDouble() * 2 * Math.PI;
                x = other.X + otherRadius + distance * Math.Cos(direction);
                y = other.Y + other.Height / 2.0 + distance * Math.Sin(direction);
            }
            else
            {
                x = o.Reach + random.NextDouble() * (width - 2 * o.Reach);
                y = o.Reach + random.NextDouble() * (height - 2 * o.Reach);
            }
            o.X = Math.Clamp(x, o.Reach, width - o.Reach);
            o.Y = Math.Clamp(y, o.Reach, height - o.Reach);

            var sprite = ShapeSprite.Draw(o);
            if (HidesTooMuch(canvas, sprite))
            {
                sprite.Dispose();
                continue;
            }
            canvas.Add(sprite);
            return;
        }
    }

    private bool HidesTooMuch(SceneCanvas canvas, ShapeSprite sprite)
    {
        var covered = canvas.Covered(sprite);
        for (int i = 0; i < covered.Length; i++)
        {
            if (covered[i] == 0) continue;
            if (canvas.Visible(i) - covered[i] < (1 - Options.MaxOcclusion) * canvas[i].Area) return true;
        }
        return false;
    }
}
