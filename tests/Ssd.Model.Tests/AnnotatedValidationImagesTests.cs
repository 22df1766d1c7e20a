using OpenCvSharp;
using Ssd.Model.Imaging;
using Ssd.Model.PostProcessing;
using Ssd.Model.Training;

namespace Ssd.Model.Tests;

public sealed class AnnotatedValidationImagesTests
{
    [Fact]
    public void Annotate_ScalesALargeImageDown_AndDrawsEachBoxInItsClassColour()
    {
        using var image = new Mat(600, 800, MatType.CV_8UC3, new Scalar(128, 128, 128));
        var detections = new[] { new Detection(2, 0.9f, 0.25f, 0.25f, 0.75f, 0.75f) };
        using var annotated = AnnotatedValidationImages.Annotate(image, detections, ["circle", "square"]);

        Assert.Equal(new Size(AnnotatedValidationImages.MaxSide, 300), annotated.Size());
        // The box (0.25..0.75 of 400 x 300) is (100, 75)-(300, 225): its left edge, away from the label.
        var colour = DetectionPainter.ColourOf(2);
        var edge = annotated.At<Vec3b>(150, 100);
        Assert.Equal(new Vec3b((byte)colour.Val0, (byte)colour.Val1, (byte)colour.Val2), edge);
        // Inside the box the image is untouched.
        Assert.Equal(new Vec3b(128, 128, 128), annotated.At<Vec3b>(150, 200));
        // The source image is left as it was.
        Assert.Equal(new Vec3b(128, 128, 128), image.At<Vec3b>(300, 200));
    }
}
