using OpenCvSharp;
using Ssd.Model.Training;

namespace Ssd.Model.Tests;

public class AugmentationTests
{
    private static readonly Scalar[] Colours = [new(0, 0, 255), new(0, 255, 0), new(255, 0, 0)];

    /// <summary>A black 480x320 image with three filled boxes of pure colours; labels 1..3.</summary>
    private static TrainingSample Scene()
    {
        var image = new Mat(320, 480, MatType.CV_8UC3, Scalar.Black);
        int[][] px = [[40, 30, 170, 150], [230, 60, 420, 250], [120, 200, 260, 300]];
        var boxes = new float[12];
        for (int i = 0; i < 3; i++)
        {
            Cv2.Rectangle(image, new Point(px[i][0], px[i][1]), new Point(px[i][2] - 1, px[i][3] - 1), Colours[i], -1);
            boxes[4 * i] = px[i][0] / 480f; boxes[4 * i + 1] = px[i][1] / 320f;
            boxes[4 * i + 2] = px[i][2] / 480f; boxes[4 * i + 3] = px[i][3] / 320f;
        }
        return new TrainingSample(image, boxes, [1, 2, 3]);
    }

    /// <summary>The bounding box (fractions of the image) of the pixels close to a pure colour.</summary>
    private static (float X1, float Y1, float X2, float Y2)? Drawn(Mat image, Scalar colour)
    {
        using var mask = new Mat();
        Cv2.InRange(image, new Scalar(colour.Val0 - 60, colour.Val1 - 60, colour.Val2 - 60), new Scalar(colour.Val0 + 60, colour.Val1 + 60, colour.Val2 + 60), mask);
        var r = Cv2.BoundingRect(mask);
        if (r.Width == 0) return null;
        return (r.X / (float)image.Width, r.Y / (float)image.Height, r.Right / (float)image.Width, r.Bottom / (float)image.Height);
    }

    private static void AssertBoxesMatchPixels(TrainingSample s, float tolerance)
    {
        for (int i = 0; i < s.Count; i++)
        {
            var drawn = Drawn(s.Image, Colours[s.Labels[i] - 1]);
            Assert.NotNull(drawn);
            var (x1, y1, x2, y2) = drawn.Value;
            Assert.InRange(s.Boxes[4 * i] - x1, -tolerance, tolerance);
            Assert.InRange(s.Boxes[4 * i + 1] - y1, -tolerance, tolerance);
            Assert.InRange(s.Boxes[4 * i + 2] - x2, -tolerance, tolerance);
            Assert.InRange(s.Boxes[4 * i + 3] - y2, -tolerance, tolerance);
        }
    }

    [Fact]
    public void Flip_MirrorsBoxesWithThePixels()
    {
        using var s = Scene();
        RandomHorizontalFlip.Flip(s);
        AssertBoxesMatchPixels(s, 1.5f / 480);
        Assert.Equal(1 - 170 / 480f, s.Boxes[0], 5);
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)] [InlineData(7)] [InlineData(8)]
    public void CropResizeFlip_KeepEveryBoxOnItsPixels(int seed)
    {
        var random = new Random(seed);
        var crop = new SsdRandomCrop();
        var flip = new RandomHorizontalFlip();
        bool cropped = false;
        for (int round = 0; round < 20; round++)
        {
            using var s = Scene();
            crop.Apply(s, random);
            cropped |= s.Image.Width != 480 || s.Image.Height != 320;
            SsdTrainingTransform.Resize(s, 300);
            flip.Apply(s, random);
            Assert.Equal(300, s.Image.Width);
            Assert.True(s.Count >= 1);
            // Resizing blurs one pixel of the edge; 3 px of 300 is the allowance.
            AssertBoxesMatchPixels(s, 3f / 300);
        }
        Assert.True(cropped);
    }

    [Fact]
    public void Crop_KeepsOnlyObjectsWhoseCentreIsInside_AndClipsThem()
    {
        using var s = Scene();
        // Crop the left half: object 1 (centre x 0.22) stays, object 2 (centre 0.68) goes, object 3 (centre 0.40) stays.
        Assert.True(SsdRandomCrop.TryCrop(s, 0f, 0f, 0.5f, 1f, double.NegativeInfinity));
        Assert.Equal([1L, 3L], s.Labels);
        Assert.Equal(240, s.Image.Width);
        AssertBoxesMatchPixels(s, 1.5f / 240);
    }

    [Fact]
    public void Crop_RejectsCropsBelowTheMinimumIou()
    {
        using var s = Scene();
        Assert.False(SsdRandomCrop.TryCrop(s, 0f, 0f, 0.5f, 1f, 0.9));
        Assert.Equal(3, s.Count);
        Assert.Equal(480, s.Image.Width);
    }

    [Fact]
    public void ColorJitter_ChangesColoursButNotBoxes()
    {
        using var s = Scene();
        var before = (float[])s.Boxes.Clone();
        using var original = s.Image.Clone();
        new ColorJitter(brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.05).Apply(s, new Random(1));
        Assert.Equal(before, s.Boxes);
        using var diff = new Mat();
        Cv2.Absdiff(original, s.Image, diff);
        Assert.True(Cv2.Sum(diff).Val0 + Cv2.Sum(diff).Val1 + Cv2.Sum(diff).Val2 > 0);
    }

    [Fact]
    public void TrainingTransform_WritesANormalisedInputOfTheRightSize()
    {
        using var s = Scene();
        var t = new SsdTrainingTransform(300);
        var chw = new float[3 * 300 * 300];
        t.Apply(s, new Random(4), chw);
        Assert.All(chw, v => Assert.InRange(v, -2.2f, 2.7f));
        Assert.All(s.Boxes, v => Assert.InRange(v, 0f, 1f));
    }
}
