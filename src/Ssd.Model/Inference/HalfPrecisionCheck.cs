using OpenCvSharp;
using Ssd.Model.Checkpoints;
using Ssd.Model.PostProcessing;

namespace Ssd.Model.Inference;

/// <summary>
/// Whether a float16 network gives the detections of its float32 original, on a probe image: the same
/// classes, scores within <see cref="ScoreTolerance"/>, boxes within <see cref="BoxTolerance"/> of the image.
/// Float16 is worth its speed only where it keeps what the user sees.
/// </summary>
public static class HalfPrecisionCheck
{
    public const float ScoreTolerance = 0.01f;
    public const float BoxTolerance = 0.01f;

    /// <summary>Null when <paramref name="half"/> keeps <paramref name="full"/>'s detections; otherwise what differs.</summary>
    public static string? KeepsDetections(INetworkRunner full, INetworkRunner half, ModelDescription description, PostProcessOptions options)
    {
        var preprocessor = new ImagePreprocessor(description.Architecture.InputSize);
        var input = new float[preprocessor.ImageLength];
        using (var probe = ProbeImage(description.Architecture.InputSize)) preprocessor.Write(probe, input);
        var expected = Detect(full, description, options, input);
        var actual = Detect(half, description, options, input);
        return Compare(expected, actual);
    }

    /// <summary>What differs between two images' detections (best first), or null when they agree within the tolerances.</summary>
    public static string? Compare(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual)
    {
        // Detections near the score threshold may come and go; compare those clearly above it.
        if (expected.Count != actual.Count) return $"{actual.Count} detections instead of {expected.Count}";
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            if (e.ClassId != a.ClassId) return $"detection {i}: class {a.ClassId} instead of {e.ClassId}";
            if (Math.Abs(e.Score - a.Score) > ScoreTolerance) return $"detection {i}: score {a.Score:0.0000} instead of {e.Score:0.0000}";
            float box = Math.Max(Math.Max(Math.Abs(e.X1 - a.X1), Math.Abs(e.Y1 - a.Y1)), Math.Max(Math.Abs(e.X2 - a.X2), Math.Abs(e.Y2 - a.Y2)));
            if (box > BoxTolerance) return $"detection {i}: box moved by {box:0.0000} of the image";
        }
        return null;
    }

    private static Detection[] Detect(INetworkRunner runner, ModelDescription description, PostProcessOptions options, float[] input)
    {
        using var detector = new SsdDetector(new Borrowed(runner), description, options);
        return detector.Detect(input, 1)[0];
    }

    /// <summary>A fixed image with gradients and blocks of colour, so that a network has edges to respond to.</summary>
    private static Mat ProbeImage(int size)
    {
        var image = new Mat(size, size, MatType.CV_8UC3);
        image.SetTo(new Scalar(0, 0, 0));
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                image.Set(y, x, new Vec3b((byte)(x * 255 / size), (byte)(y * 255 / size), (byte)((x + y) * 127 / size)));
        Cv2.Rectangle(image, new Rect(size / 8, size / 6, size / 3, size / 2), new Scalar(30, 30, 220), -1);
        Cv2.Circle(image, new Point(2 * size / 3, size / 3), size / 6, new Scalar(240, 240, 240), -1);
        Cv2.Rectangle(image, new Rect(size / 2, 3 * size / 5, size / 3, size / 4), new Scalar(20, 200, 40), -1);
        return image;
    }

    /// <summary>A runner lent to a detector for one check; disposing the detector leaves it open.</summary>
    private sealed class Borrowed(INetworkRunner runner) : INetworkRunner
    {
        public string Description => runner.Description;

        public void Run(ReadOnlySpan<float> images, int count, Span<float> locs, Span<float> confs) => runner.Run(images, count, locs, confs);

        public void Dispose()
        {
        }
    }
}
