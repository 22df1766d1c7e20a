using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// A moving synthetic scene for a simulated camera: a fixed cluttered background, shapes that drift with
/// their own velocity and spin, leave the frame and are replaced by new ones entering from the edges, and
/// fresh sensor noise on every frame. The same size and seed give the same frames, byte for byte.
/// <para>Up to <see cref="SyntheticSceneOptions.MaxObjects"/> objects are on screen (at least
/// <see cref="SyntheticSceneOptions.MinObjects"/>, apart from the frames while one enters); they may pass over
/// each other. The ground truth of a frame lists the objects of which at least <see cref="MinVisibleFraction"/>
/// of the pixels are visible (in the frame and not hidden), with boxes [x1, y1, x2, y2] in pixels tight
/// around the visible pixels.</para>
/// </summary>
public sealed class SyntheticSceneSequence : IDisposable
{
    /// <summary>Objects less visible than this (cut by the frame edge or hidden by others) are not in the truth.</summary>
    public const double MinVisibleFraction = 0.5;

    /// <summary>Chance per frame that a new object enters while fewer than the maximum are on screen.</summary>
    private const double EntryChance = 0.02;

    /// <summary>Speed range in fractions of the short side per frame (at 30 fps: 6% to 36% of it per second).</summary>
    private const double MinSpeed = 0.002, MaxSpeed = 0.012;

    /// <summary>Largest spin in degrees per frame, either way.</summary>
    private const double MaxSpin = 2.0;

    private readonly Random _random;
    private readonly Random _noiseRandom;
    private readonly double _noiseSigma;
    private readonly Mat _background;
    private readonly SceneObjectFactory _factory;
    private readonly List<SceneObject> _objects = [];
    private int _lastId;

    /// <param name="width">Frame width in pixels, at least 32.</param>
    /// <param name="height">Frame height in pixels, at least 32.</param>
    public SyntheticSceneSequence(int width, int height, int seed, SyntheticSceneOptions? options = null)
    {
        if (width < 32 || height < 32) throw new ArgumentException($"frames must be at least 32x32 pixels, got {width}x{height}");
        Options = options ?? new SyntheticSceneOptions();
        Options.Validate();
        Width = width;
        Height = height;
        var root = new Random(seed);
        _background = BackgroundPainter.Paint(width, height, new Random(root.Next()));
        _random = new Random(root.Next());
        _noiseRandom = new Random(root.Next());
        _noiseSigma = 2 + 4 * _noiseRandom.NextDouble();
        _factory = new SceneObjectFactory(Options);

        int initial = (Options.MinObjects + Options.MaxObjects + 1) / 2;
        for (int i = 0; i < initial; i++) _objects.Add(CreateInside());
    }

    public SyntheticSceneOptions Options { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Frames rendered so far.</summary>
    public long FrameCount { get; private set; }

    /// <summary>Class names in class-id order (<see cref="SyntheticShapes.ClassNames"/>).</summary>
    public static IReadOnlyList<string> ClassNames => SyntheticShapes.ClassNames;

    /// <summary>
    /// Renders the next frame, a new 8-bit BGR <see cref="Mat"/> of Width x Height that the caller owns and
    /// disposes, with its ground truth; then moves the scene on by one frame.
    /// </summary>
    public Mat RenderNext(out IReadOnlyList<DatasetObject> truth)
    {
        var image = RenderNextIdentified(out var objects);
        truth = objects.Where(o => o.Visibility >= MinVisibleFraction)
            .Select(o => new DatasetObject(o.ClassId, o.X1, o.Y1, o.X2, o.Y2, false, (double)(o.X2 - o.X1) * (o.Y2 - o.Y1)))
            .ToList();
        return image;
    }

    /// <summary>
    /// Renders the next frame as <see cref="RenderNext(out IReadOnlyList{DatasetObject})"/> does, with every
    /// object that has a visible pixel, however few, and its identity: what a tracker's ground truth needs
    /// (objects less visible than <see cref="MinVisibleFraction"/> are the ones it should neither be
    /// rewarded nor punished for).
    /// </summary>
    public Mat RenderNextIdentified(out IReadOnlyList<IdentifiedObject> objects)
    {
        var image = _background.Clone();
        using (var canvas = new SceneCanvas(Width, Height))
        {
            foreach (var o in _objects) canvas.Add(ShapeSprite.Draw(o));
            canvas.Paint(image);
            var list = new List<IdentifiedObject>();
            for (int i = 0; i < canvas.Count; i++)
            {
                if (canvas.VisibleBox(i) is not var (x1, y1, x2, y2)) continue;
                list.Add(new IdentifiedObject(_objects[i].Id, SyntheticShapes.ClassId(canvas[i].Shape), x1, y1, x2, y2, canvas.VisibleFraction(i)));
            }
            objects = list;
        }
        SensorNoise.Add(image, _noiseRandom, _noiseSigma);
        Advance();
        FrameCount++;
        return image;
    }

    /// <summary>Moves every object, drops those that have left the frame, and lets new ones enter.</summary>
    private void Advance()
    {
        foreach (var o in _objects) o.Step();
        _objects.RemoveAll(HasLeft);
        bool enter = _objects.Count < Options.MinObjects
            || (_objects.Count < Options.MaxObjects && _random.NextDouble() < EntryChance);
        if (enter) _objects.Add(CreateEntering());
    }

    /// <summary>Wholly outside the frame and moving away from it.</summary>
    private bool HasLeft(SceneObject o)
    {
        bool outside = o.X + o.Reach < 0 || o.X - o.Reach > Width || o.Y + o.Reach < 0 || o.Y - o.Reach > Height;
        bool movingAway = (o.X - Width / 2.0) * o.VelocityX + (o.Y - Height / 2.0) * o.VelocityY > 0;
        return outside && movingAway;
    }

    private SceneObject CreateInside()
    {
        int shortSide = Math.Min(Width, Height);
        double direction = _random.NextDouble() * 2 * Math.PI;
        double speed = RandomSpeed(shortSide);
        var o = _factory.Create(_random, shortSide);
        o.X = o.Reach + _random.NextDouble() * Math.Max(0, Width - 2 * o.Reach);
        o.Y = o.Reach + _random.NextDouble() * Math.Max(0, Height - 2 * o.Reach);
        o.VelocityX = speed * Math.Cos(direction);
        o.VelocityY = speed * Math.Sin(direction);
        o.Spin = RandomSpin();
        o.Id = ++_lastId;
        return o;
    }

    /// <summary>An object just outside a random edge, heading for a point in the middle part of the frame.</summary>
    private SceneObject CreateEntering()
    {
        int shortSide = Math.Min(Width, Height);
        var o = _factory.Create(_random, shortSide);
        int edge = _random.Next(4);
        double along = _random.NextDouble();
        (o.X, o.Y) = edge switch
        {
            0 => (-o.Reach, along * Height),
            1 => (Width + o.Reach, along * Height),
            2 => (along * Width, -o.Reach),
            _ => (along * Width, Height + o.Reach),
        };
        double dx = Width * (0.2 + 0.6 * _random.NextDouble()) - o.X, dy = Height * (0.2 + 0.6 * _random.NextDouble()) - o.Y;
        double speed = RandomSpeed(shortSide) / Math.Sqrt(dx * dx + dy * dy);
        o.VelocityX = speed * dx;
        o.VelocityY = speed * dy;
        o.Spin = RandomSpin();
        o.Id = ++_lastId;
        return o;
    }

    private double RandomSpeed(int shortSide) => shortSide * (MinSpeed + (MaxSpeed - MinSpeed) * _random.NextDouble());

    private double RandomSpin() => MaxSpin * (2 * _random.NextDouble() - 1);

    public void Dispose() => _background.Dispose();
}

/// <summary>
/// An object of a synthetic frame with its identity: the box <c>[x1, y1, x2, y2]</c> in pixels is tight
/// around its visible pixels; <see cref="Visibility"/> is the visible share of its pixels (0..1, cut by
/// the frame edge or hidden by others).
/// </summary>
public sealed record IdentifiedObject(int Id, int ClassId, int X1, int Y1, int X2, int Y2, double Visibility);
