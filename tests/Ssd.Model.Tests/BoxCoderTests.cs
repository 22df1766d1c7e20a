using Ssd.Model.Boxes;

namespace Ssd.Model.Tests;

public class BoxCoderTests
{
    private static readonly DefaultBoxes Boxes = new(DefaultBoxConfig.Ssd300);

    [Fact]
    public void EncodeThenDecode_GivesBackTheGroundTruth_ForEveryMatchedBox()
    {
        using var torchScope = TorchScope.Open();
        var coder = new BoxCoder(Boxes);
        float[] gt = [0.1f, 0.2f, 0.4f, 0.6f, 0.55f, 0.5f, 0.95f, 0.9f, 0.02f, 0.03f, 0.09f, 0.08f];
        long[] labels = [3, 7, 1];
        var (offsets, matched) = coder.Encode(gt, labels);
        var decoded = new float[4 * Boxes.Count];
        coder.Decode(offsets, decoded);
        int positives = 0;
        for (int i = 0; i < Boxes.Count; i++)
        {
            if (matched[i] == 0) continue;
            positives++;
            int g = Array.IndexOf(labels, matched[i]);
            for (int k = 0; k < 4; k++) Assert.Equal(gt[4 * g + k], decoded[4 * i + k], 4);
        }
        Assert.True(positives >= 3);
        Assert.Equal(labels.Order(), matched.Where(l => l != 0).Distinct().Order());
    }

    [Fact]
    public void Encode_ForcesEachGroundTruthOntoItsBestBox_EvenBelowThreshold()
    {
        using var torchScope = TorchScope.Open();
        var coder = new BoxCoder(Boxes);
        // A tiny box overlaps no default box by more than 0.5.
        float[] gt = [0.500f, 0.500f, 0.505f, 0.504f];
        var (_, labels) = coder.Encode(gt, [2]);
        Assert.Equal(1, labels.Count(l => l == 2));
    }

    [Fact]
    public void Encode_WithoutObjects_IsAllBackground()
    {
        using var torchScope = TorchScope.Open();
        var coder = new BoxCoder(Boxes);
        var (offsets, labels) = coder.Encode([], []);
        Assert.All(labels, l => Assert.Equal(0, l));
        Assert.All(offsets, o => Assert.Equal(0f, o));
    }

    [Fact]
    public void Decode_OfZeroOffsets_IsTheDefaultBoxes()
    {
        using var torchScope = TorchScope.Open();
        var coder = new BoxCoder(Boxes);
        var xyxy = new float[4 * Boxes.Count];
        coder.Decode(new float[4 * Boxes.Count], xyxy);
        var (cx, cy, w, h) = Boxes[1234];
        Assert.Equal(cx - w / 2, xyxy[4 * 1234], 6);
        Assert.Equal(cy + h / 2, xyxy[4 * 1234 + 3], 6);
    }

    [Fact]
    public void Encode_UsesTheReferenceVariances()
    {
        using var torchScope = TorchScope.Open();
        var coder = new BoxCoder(Boxes);
        var (dcx, dcy, dw, dh) = Boxes[100];
        // A ground truth equal to default box 100, shifted right by 10% of its width and twice as tall.
        float gcx = dcx + 0.1f * dw, gcy = dcy, gw = dw, gh = 2 * dh;
        float[] gt = [gcx - gw / 2, gcy - gh / 2, gcx + gw / 2, gcy + gh / 2];
        var (offsets, labels) = coder.Encode(gt, [1], iouThreshold: 0.99f);
        int b = Boxes.Count;
        int i = Array.IndexOf(labels, 1L);
        Assert.Equal(1, labels.Count(l => l == 1));
        var (ecx, ecy, ew, eh) = Boxes[i];
        Assert.Equal((gcx - ecx) / (0.1f * ew), offsets[i], 3);
        Assert.Equal((gcy - ecy) / (0.1f * eh), offsets[b + i], 3);
        Assert.Equal(MathF.Log(gw / ew) / 0.2f, offsets[2 * b + i], 3);
        Assert.Equal(MathF.Log(gh / eh) / 0.2f, offsets[3 * b + i], 3);
    }
}
