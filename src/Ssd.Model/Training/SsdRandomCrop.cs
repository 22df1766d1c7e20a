using OpenCvSharp;
using Ssd.Model.Boxes;

namespace Ssd.Model.Training;

/// <summary>
/// The SSD cropping of the reference (docs/model.md): picks one of {no crop, min IoU 0.1, 0.3, 0.5, 0.7,
/// 0.9, unconstrained}; draws a crop with sides U(0.3, 1) of the image and aspect ratio in [0.5, 2];
/// accepts it when every object's IoU with the crop exceeds the minimum and some object's centre lies
/// inside; keeps the objects whose centres are inside, clipped to the crop. On failure it draws again.
/// </summary>
public sealed class SsdRandomCrop
{
    private static readonly double?[] MinIouChoices = [null, 0.1, 0.3, 0.5, 0.7, 0.9, double.NegativeInfinity];
    private const int MaxAttempts = 1000;

    /// <summary>Crops <paramref name="sample"/> in place with randomness from <paramref name="random"/>.</summary>
    public void Apply(TrainingSample sample, Random random)
    {
        if (sample.Count == 0) return;
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var minIou = MinIouChoices[random.Next(MinIouChoices.Length)];
            if (minIou is null) return; // no crop
            double w = 0.3 + 0.7 * random.NextDouble();
            double h = 0.3 + 0.7 * random.NextDouble();
            if (w / h < 0.5 || w / h > 2) continue;
            double left = random.NextDouble() * (1 - w);
            double top = random.NextDouble() * (1 - h);
            if (TryCrop(sample, (float)left, (float)top, (float)(left + w), (float)(top + h), minIou.Value)) return;
        }
    }

    /// <summary>
    /// Crops to (left, top, right, bottom) in 0..1 if the constraints hold; returns whether it did.
    /// </summary>
    internal static bool TryCrop(TrainingSample sample, float left, float top, float right, float bottom, double minIou)
    {
        var b = sample.Boxes;
        int n = sample.Count;
        for (int i = 0; i < n; i++)
        {
            if (!(Iou.Of(b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3], left, top, right, bottom) > minIou)) return false;
        }
        var keep = new List<int>();
        for (int i = 0; i < n; i++)
        {
            float cx = 0.5f * (b[4 * i] + b[4 * i + 2]), cy = 0.5f * (b[4 * i + 1] + b[4 * i + 3]);
            if (cx > left && cx < right && cy > top && cy < bottom) keep.Add(i);
        }
        if (keep.Count == 0) return false;

        var image = sample.Image;
        int x0 = (int)Math.Round(left * image.Width), y0 = (int)Math.Round(top * image.Height);
        int x1 = Math.Max(x0 + 1, (int)Math.Round(right * image.Width)), y1 = Math.Max(y0 + 1, (int)Math.Round(bottom * image.Height));
        x1 = Math.Min(x1, image.Width);
        y1 = Math.Min(y1, image.Height);
        // Box coordinates follow the pixel grid actually cropped.
        float l = (float)x0 / image.Width, t = (float)y0 / image.Height;
        float cw = (float)(x1 - x0) / image.Width, ch = (float)(y1 - y0) / image.Height;

        var boxes = new float[4 * keep.Count];
        var labels = new long[keep.Count];
        for (int k = 0; k < keep.Count; k++)
        {
            int i = keep[k];
            boxes[4 * k] = Math.Clamp((b[4 * i] - l) / cw, 0f, 1f);
            boxes[4 * k + 1] = Math.Clamp((b[4 * i + 1] - t) / ch, 0f, 1f);
            boxes[4 * k + 2] = Math.Clamp((b[4 * i + 2] - l) / cw, 0f, 1f);
            boxes[4 * k + 3] = Math.Clamp((b[4 * i + 3] - t) / ch, 0f, 1f);
            labels[k] = sample.Labels[i];
        }
        using var roi = new Mat(image, new Rect(x0, y0, x1 - x0, y1 - y0));
        sample.Replace(roi.Clone(), boxes, labels);
        return true;
    }
}
