using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tests.Tracking;

/// <summary>Detections for the tracking tests, on a 640 x 480 frame unless told.</summary>
internal static class TrackingTestData
{
    public const int Width = 640;
    public const int Height = 480;

    /// <summary>A detection with box (x1, y1, x2, y2) in pixels of a <paramref name="width"/> x <paramref name="height"/> frame.</summary>
    public static PixelDetection Det(float x1, float y1, float x2, float y2, float score = 0.9f, string label = "person", int width = Width, int height = Height) =>
        new(label, label == "person" ? 1 : label == "car" ? 2 : 3, score, x1, y1, x2, y2, x1 / width, y1 / height, x2 / width, y2 / height);

    /// <summary>A detection whose box has its bottom centre at (nx, ny) in fractions of the frame.</summary>
    public static PixelDetection StandingAt(double nx, double ny, string label = "person")
    {
        float x = (float)(nx * Width), y = (float)(ny * Height);
        return new PixelDetection(label, 1, 0.9f, x - 10, y - 40, x + 10, y, (float)nx - 10f / Width, (float)ny - 40f / Height, (float)nx + 10f / Width, (float)ny);
    }

    public static DateTimeOffset T0 { get; } = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);
}
