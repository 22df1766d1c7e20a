using OpenCvSharp;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data;
using Ssd.Model.Devices;
using Ssd.Model.Imaging;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;

namespace Ssd.Model.Training;

/// <summary>
/// The first <see cref="Count"/> validation images with the model's detections drawn on them (as the
/// daemon draws its recordings), for watching a training run in TensorBoard: the same images every epoch,
/// each scaled down so that its longer side is at most <see cref="MaxSide"/> pixels.
/// </summary>
public static class AnnotatedValidationImages
{
    /// <summary>Images per evaluated epoch.</summary>
    public const int Count = 4;

    /// <summary>Longest side of a logged image in pixels (a PNG of a full-size photo is megabytes, every epoch).</summary>
    public const int MaxSide = 400;

    /// <summary>TensorBoard tag of the <paramref name="index"/>-th image (0-based).</summary>
    public static string Tag(int index) => $"val/detections/{index}";

    /// <summary>
    /// Boxes drawn: score at least 0.3, at most 20 per image. A lower bar than a camera's, so that the early
    /// epochs show what the model is starting to find; the cap keeps an untrained model's image readable.
    /// </summary>
    public static PostProcessOptions DrawOptions { get; } = new() { ScoreThreshold = 0.3f, MaxDetections = 20 };

    /// <summary>
    /// Runs <paramref name="model"/> (left on <paramref name="device"/> in eval mode; the caller owns it) on the
    /// first <see cref="Count"/> images of <paramref name="dataset"/> and returns them annotated, 8-bit BGR; the
    /// caller disposes them.
    /// </summary>
    public static List<Mat> Render(SsdModel model, ComputeDevice device, DetectionDataset dataset)
    {
        var result = new List<Mat>(Count);
        if (dataset.Images.Count == 0) return result;
        using var detector = new SsdDetector(model, device, DrawOptions, ownsModel: false);
        int length = detector.Preprocessor.ImageLength;
        var input = new float[Count * length];
        var samples = new List<TrainingSample>(Count);
        try
        {
            // The first Count images that decode (an undecodable one is skipped when the dataset skips them).
            foreach (var image in dataset.Images)
            {
                if (samples.Count == Count) break;
                if (dataset.TryLoad(image) is { } sample) samples.Add(sample);
            }
            if (samples.Count == 0) return result;
            for (int k = 0; k < samples.Count; k++) detector.Preprocessor.Write(samples[k].Image, input.AsSpan(k * length, length));
            var detections = detector.Detect(input, samples.Count);
            for (int k = 0; k < samples.Count; k++) result.Add(Annotate(samples[k].Image, detections[k], model.ClassNames));
            return result;
        }
        catch
        {
            foreach (var m in result) m.Dispose();
            throw;
        }
        finally
        {
            foreach (var s in samples) s.Dispose();
        }
    }

    /// <summary>
    /// A copy of <paramref name="image"/> (8-bit BGR) scaled so that its longer side is at most
    /// <see cref="MaxSide"/>, with <paramref name="detections"/> (boxes x1, y1, x2, y2 in 0..1 of the image,
    /// 1-based classes named by <paramref name="classNames"/>) drawn on it.
    /// </summary>
    public static Mat Annotate(Mat image, IReadOnlyList<Detection> detections, IReadOnlyList<string> classNames)
    {
        double scale = Math.Min(1.0, (double)MaxSide / Math.Max(image.Width, image.Height));
        var canvas = scale < 1
            ? image.Resize(new Size(Math.Max(1, (int)Math.Round(image.Width * scale)), Math.Max(1, (int)Math.Round(image.Height * scale))), 0, 0, InterpolationFlags.Area)
            : image.Clone();
        var boxes = detections.Select(d => new LabelledBox(classNames[d.ClassId - 1], d.ClassId, d.Score,
            Math.Clamp(d.X1, 0f, 1f) * canvas.Width, Math.Clamp(d.Y1, 0f, 1f) * canvas.Height,
            Math.Clamp(d.X2, 0f, 1f) * canvas.Width, Math.Clamp(d.Y2, 0f, 1f) * canvas.Height)).ToList();
        DetectionPainter.Draw(canvas, boxes);
        return canvas;
    }
}
