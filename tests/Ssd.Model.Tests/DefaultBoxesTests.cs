using Ssd.Model.Boxes;

namespace Ssd.Model.Tests;

public class DefaultBoxesTests
{
    [Fact]
    public void Ssd300_HasThe8732BoxesOfTheReference()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.Ssd300);
        Assert.Equal(8732, boxes.Count);
        Assert.Equal([4, 6, 6, 6, 4, 4], DefaultBoxConfig.Ssd300.BoxesPerCell);
    }

    [Fact]
    public void SsdLite_Has3000Boxes()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.SsdLite300);
        Assert.Equal(3000, boxes.Count);
        Assert.All(DefaultBoxConfig.SsdLite300.BoxesPerCell, n => Assert.Equal(6, n));
    }

    [Fact]
    public void Ssd300_FirstMap_RunsSizeThenRowThenColumn()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.Ssd300);
        const double fk = 300.0 / 8;
        double sk1 = 21 / 300.0, sk2 = Math.Sqrt(sk1 * 45 / 300.0);
        // Box 0: size 0, row 0, column 0.
        AssertBox(boxes[0], 0.5 / fk, 0.5 / fk, sk1, sk1);
        // Box 1: size 0, row 0, column 1 (columns vary fastest).
        AssertBox(boxes[1], 1.5 / fk, 0.5 / fk, sk1, sk1);
        // Box 38: size 0, row 1, column 0.
        AssertBox(boxes[38], 0.5 / fk, 1.5 / fk, sk1, sk1);
        // Box 38*38: size 1 (sqrt(sk * sk+1)), row 0, column 0.
        AssertBox(boxes[38 * 38], 0.5 / fk, 0.5 / fk, sk2, sk2);
        // Size 2 is aspect ratio 2: (sk*sqrt2, sk/sqrt2); size 3 its transpose.
        AssertBox(boxes[2 * 38 * 38 + 5], 5.5 / fk, 0.5 / fk, sk1 * Math.Sqrt(2), sk1 / Math.Sqrt(2));
        AssertBox(boxes[3 * 38 * 38 + 5], 5.5 / fk, 0.5 / fk, sk1 / Math.Sqrt(2), sk1 * Math.Sqrt(2));
    }

    [Fact]
    public void Ssd300_LastMapBoxes_AreCentredAndClamped()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.Ssd300);
        // The 1x1 map has 4 boxes: (261, sqrt(261*315)), and ratio 2 both ways; widths above 1 are clamped.
        double sk1 = 261 / 300.0;
        AssertBox(boxes[8728], 0.5, 0.5, sk1, sk1);
        AssertBox(boxes[8729], 0.5, 0.5, Math.Min(1, Math.Sqrt(sk1 * 315 / 300.0)), Math.Min(1, Math.Sqrt(sk1 * 315 / 300.0)));
        AssertBox(boxes[8730], 0.5, 0.5, 1.0, sk1 / Math.Sqrt(2));
        AssertBox(boxes[8731], 0.5, 0.5, sk1 / Math.Sqrt(2), 1.0);
        for (int i = 0; i < boxes.Count; i++)
        {
            var (cx, cy, w, h) = boxes[i];
            Assert.InRange(cx, 0f, 1f);
            Assert.InRange(cy, 0f, 1f);
            Assert.InRange(w, 0f, 1f);
            Assert.InRange(h, 0f, 1f);
        }
    }

    [Fact]
    public void SsdLite_SecondMapStartsAfterTheFirst()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.SsdLite300);
        int first = 19 * 19 * 6;
        const double fk = 300.0 / 32;
        AssertBox(boxes[first], 0.5 / fk, 0.5 / fk, 105 / 300.0, 105 / 300.0);
    }

    [Fact]
    public void Tensors_HaveShapeBx4_AndCornerFormMatches()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.SsdLite300);
        using var cxcywh = boxes.ToTensorCxCyWh();
        using var xyxy = boxes.ToTensorXyxy();
        Assert.Equal([3000L, 4L], cxcywh.shape);
        var c = cxcywh[17].data<float>().ToArray();
        var x = xyxy[17].data<float>().ToArray();
        Assert.Equal(c[0] - c[2] / 2, x[0], 6);
        Assert.Equal(c[1] - c[3] / 2, x[1], 6);
        Assert.Equal(c[0] + c[2] / 2, x[2], 6);
        Assert.Equal(c[1] + c[3] / 2, x[3], 6);
    }

    private static void AssertBox((float Cx, float Cy, float W, float H) box, double cx, double cy, double w, double h)
    {
        Assert.Equal(cx, box.Cx, 5);
        Assert.Equal(cy, box.Cy, 5);
        Assert.Equal(w, box.W, 5);
        Assert.Equal(h, box.H, 5);
    }
}
