using OpenCvSharp;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;
using SsdStream.Pipeline.Processing;

namespace SsdStream.Pipeline.Tests;

/// <summary>Inputs the tests make themselves.</summary>
internal static class TestMedia
{
    /// <summary>Writes an MJPG .avi of <paramref name="frames"/> frames: a white square moving over grey, frame index in red.</summary>
    public static string WriteVideo(string directory, int frames, int width = 320, int height = 240, double fps = 30, string name = "clip.avi")
    {
        var path = Path.Combine(directory, name);
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new Size(width, height));
        if (!writer.IsOpened()) throw new InvalidOperationException("OpenCV cannot write MJPG here");
        for (int i = 0; i < frames; i++)
        {
            using var frame = new Mat(height, width, MatType.CV_8UC3, new Scalar(90, 90, 90));
            int x = (i * 7) % Math.Max(1, width - 60);
            Cv2.Rectangle(frame, new Rect(x, height / 3, 60, 60), Scalar.White, -1);
            Cv2.PutText(frame, i.ToString(), new Point(10, 30), HersheyFonts.HersheySimplex, 1, Scalar.Red, 2);
            writer.Write(frame);
        }
        return path;
    }

    /// <summary>Writes an MJPG .avi whose frame i is a flat grey of level 4i (at most 64 frames), so each frame is told apart by its brightness.</summary>
    public static string WriteNumberedVideo(string directory, int frames, double fps = 30, string name = "numbered.avi")
    {
        if (frames > 64) throw new ArgumentOutOfRangeException(nameof(frames), frames, "at most 64 grey levels 4 apart");
        var path = Path.Combine(directory, name);
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new Size(160, 120));
        if (!writer.IsOpened()) throw new InvalidOperationException("OpenCV cannot write MJPG here");
        for (int i = 0; i < frames; i++)
        {
            using var frame = new Mat(120, 160, MatType.CV_8UC3, Scalar.All(4 * i));
            writer.Write(frame);
        }
        return path;
    }
}

/// <summary>
/// A detector for pipeline tests: real preprocessing, a fixed detection per image (class 1 "thing" in the
/// middle), and an optional delay per batch to play a detector slower than the cameras.
/// </summary>
internal sealed class FakeDetector(TimeSpan delayPerBatch = default) : IBatchDetector
{
    private int _batches;

    public string ModelName => "fake";

    public ImagePreprocessor Preprocessor { get; } = new(300);

    public int Batches => _batches;

    public string Label(int classId) => classId == 1 ? "thing" : $"class_{classId}";

    public Detection[][] Detect(ReadOnlySpan<float> inputs, int count)
    {
        Interlocked.Increment(ref _batches);
        if (delayPerBatch > TimeSpan.Zero) Thread.Sleep(delayPerBatch);
        return Enumerable.Range(0, count).Select(_ => new[] { new Detection(1, 0.9f, 0.25f, 0.25f, 0.75f, 0.75f) }).ToArray();
    }

    public void Dispose()
    {
    }
}
