using OpenCvSharp;

namespace Ssd.Model.Training;

/// <summary>Mirrors the image and its boxes left to right with probability <see cref="Probability"/>.</summary>
public sealed class RandomHorizontalFlip(double probability = 0.5)
{
    public double Probability { get; } = probability;

    public void Apply(TrainingSample sample, Random random)
    {
        if (random.NextDouble() >= Probability) return;
        Flip(sample);
    }

    /// <summary>Mirrors unconditionally.</summary>
    internal static void Flip(TrainingSample sample)
    {
        var flipped = new Mat();
        Cv2.Flip(sample.Image, flipped, FlipMode.Y);
        var b = (float[])sample.Boxes.Clone();
        for (int i = 0; i < sample.Count; i++)
        {
            float x1 = b[4 * i], x2 = b[4 * i + 2];
            b[4 * i] = 1f - x2;
            b[4 * i + 2] = 1f - x1;
        }
        sample.Replace(flipped, b);
    }
}
