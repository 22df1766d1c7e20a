using OpenCvSharp;

namespace Ssd.Model.Training;

/// <summary>
/// Random photometric changes as torchvision's ColorJitter applies them, in a random order: brightness
/// (scale by U(1-b, 1+b)), contrast (blend with the mean grey by U(1-c, 1+c)), saturation (blend with the
/// grey image by U(1-s, 1+s)) and hue (rotate by U(-h, h) of a turn). Boxes are unchanged.
/// </summary>
public sealed class ColorJitter(double brightness = 0.125, double contrast = 0.5, double saturation = 0.5, double hue = 0.05)
{
    public void Apply(TrainingSample sample, Random random)
    {
        using var f = new Mat();
        sample.Image.ConvertTo(f, MatType.CV_32FC3, 1.0 / 255);
        var steps = new[] { 0, 1, 2, 3 }.OrderBy(_ => random.Next()).ToArray();
        foreach (var step in steps)
        {
            switch (step)
            {
                case 0: Scale(f, Factor(random, brightness)); break;
                case 1: BlendWithMeanGrey(f, Factor(random, contrast)); break;
                case 2: BlendWithGrey(f, Factor(random, saturation)); break;
                case 3: RotateHue(f, (random.NextDouble() * 2 - 1) * hue); break;
            }
        }
        var result = new Mat();
        f.ConvertTo(result, MatType.CV_8UC3, 255);
        sample.Replace(result);
    }

    private static double Factor(Random random, double amount) => 1 - amount + 2 * amount * random.NextDouble();

    private static void Scale(Mat f, double factor)
    {
        Cv2.Multiply(f, new Scalar(factor, factor, factor), f);
        Clip(f);
    }

    private static void BlendWithMeanGrey(Mat f, double factor)
    {
        using var grey = new Mat();
        Cv2.CvtColor(f, grey, ColorConversionCodes.BGR2GRAY);
        double mean = Cv2.Mean(grey).Val0;
        Cv2.AddWeighted(f, factor, f, 0, mean * (1 - factor), f);
        Clip(f);
    }

    private static void BlendWithGrey(Mat f, double factor)
    {
        using var grey = new Mat();
        using var grey3 = new Mat();
        Cv2.CvtColor(f, grey, ColorConversionCodes.BGR2GRAY);
        Cv2.CvtColor(grey, grey3, ColorConversionCodes.GRAY2BGR);
        Cv2.AddWeighted(f, factor, grey3, 1 - factor, 0, f);
        Clip(f);
    }

    private static void RotateHue(Mat f, double turns)
    {
        if (turns == 0) return;
        using var hsv = new Mat();
        Cv2.CvtColor(f, hsv, ColorConversionCodes.BGR2HSV); // float: H in [0, 360)
        var channels = Cv2.Split(hsv);
        try
        {
            var h = channels[0];
            Cv2.Add(h, new Scalar(turns * 360), h);
            // Wrap into [0, 360).
            using var over = new Mat();
            Cv2.Compare(h, new Scalar(360), over, CmpTypes.GE);
            Cv2.Subtract(h, new Scalar(360), h, over);
            using var under = new Mat();
            Cv2.Compare(h, new Scalar(0), under, CmpTypes.LT);
            Cv2.Add(h, new Scalar(360), h, under);
            Cv2.Merge(channels, hsv);
        }
        finally
        {
            foreach (var c in channels) c.Dispose();
        }
        Cv2.CvtColor(hsv, f, ColorConversionCodes.HSV2BGR);
    }

    private static void Clip(Mat f)
    {
        Cv2.Max(f, new Scalar(0, 0, 0), f);
        Cv2.Min(f, new Scalar(1, 1, 1), f);
    }
}
