using Ssd.Model.Boxes;
using Ssd.Model.PostProcessing;
using static TorchSharp.torch;

namespace Ssd.Model.Tests;

public class DetectionPostProcessorTests
{
    private static readonly PostProcessOptions Defaults = new();

    /// <summary>
    /// A plain reference of the reference decode: for each class, every box above the threshold sorted by
    /// score (ties by index), the best top-k, then greedy NMS written as a double loop over a 'removed'
    /// flag array; all kept boxes sorted by score, first max.
    /// </summary>
    private static List<Detection> Reference(float[] xyxy, float[] probs, int classes, PostProcessOptions o)
    {
        int b = xyxy.Length / 4;
        var all = new List<(Detection D, int Order)>();
        for (int c = 1; c < classes; c++)
        {
            var idx = Enumerable.Range(0, b).Where(i => probs[c * b + i] > o.ScoreThreshold)
                .OrderByDescending(i => probs[c * b + i]).ThenBy(i => i).Take(o.TopKPerClass).ToArray();
            var removed = new bool[idx.Length];
            for (int a = 0; a < idx.Length; a++)
            {
                if (removed[a]) continue;
                int i = idx[a];
                all.Add((new Detection(c, probs[c * b + i], xyxy[4 * i], xyxy[4 * i + 1], xyxy[4 * i + 2], xyxy[4 * i + 3]), all.Count));
                for (int z = a + 1; z < idx.Length; z++)
                {
                    if (!removed[z] && PlainIou(xyxy, i, idx[z]) >= o.NmsThreshold) removed[z] = true;
                }
            }
        }
        return all.OrderByDescending(t => t.D.Score).ThenBy(t => t.Order).Take(o.MaxDetections).Select(t => t.D).ToList();
    }

    private static float PlainIou(float[] x, int i, int j)
    {
        float ix1 = Math.Max(x[4 * i], x[4 * j]), iy1 = Math.Max(x[4 * i + 1], x[4 * j + 1]);
        float ix2 = Math.Min(x[4 * i + 2], x[4 * j + 2]), iy2 = Math.Min(x[4 * i + 3], x[4 * j + 3]);
        float inter = Math.Max(0, ix2 - ix1) * Math.Max(0, iy2 - iy1);
        float a = (x[4 * i + 2] - x[4 * i]) * (x[4 * i + 3] - x[4 * i + 1]);
        float bb = (x[4 * j + 2] - x[4 * j]) * (x[4 * j + 3] - x[4 * j + 1]);
        return inter / (a + bb - inter);
    }

    private static (float[] Xyxy, float[] Probs) RandomInput(int seed, int boxes, int classes, float spread)
    {
        var rng = new Random(seed);
        var xyxy = new float[4 * boxes];
        for (int i = 0; i < boxes; i++)
        {
            // Clustered boxes so that NMS has plenty to suppress.
            float cx = (float)(0.2 + 0.6 * rng.NextDouble() * spread), cy = (float)(0.2 + 0.6 * rng.NextDouble() * spread);
            float w = (float)(0.05 + 0.3 * rng.NextDouble()), h = (float)(0.05 + 0.3 * rng.NextDouble());
            xyxy[4 * i] = cx - w / 2; xyxy[4 * i + 1] = cy - h / 2; xyxy[4 * i + 2] = cx + w / 2; xyxy[4 * i + 3] = cy + h / 2;
        }
        var probs = new float[classes * boxes];
        for (int i = 0; i < boxes; i++)
        {
            double sum = 0;
            var logits = new double[classes];
            for (int c = 0; c < classes; c++) { logits[c] = Math.Exp(rng.NextDouble() * 6); sum += logits[c]; }
            for (int c = 0; c < classes; c++) probs[c * boxes + i] = (float)(logits[c] / sum);
        }
        return (xyxy, probs);
    }

    [Theory]
    [InlineData(1, 500, 4, 1f)]
    [InlineData(2, 2000, 6, 0.3f)]
    [InlineData(3, 3000, 3, 0.1f)]
    [InlineData(4, 300, 12, 1f)]
    [InlineData(5, 1000, 2, 0.05f)]
    public void Select_AgreesWithPlainReference_OnRandomInputs(int seed, int boxes, int classes, float spread)
    {
        using var torchScope = TorchScope.Open();
        var (xyxy, probs) = RandomInput(seed, boxes, classes, spread);
        foreach (var o in new[]
        {
            Defaults,
            new PostProcessOptions { ScoreThreshold = 0.2f, NmsThreshold = 0.5f, TopKPerClass = 50, MaxDetections = 20 },
            new PostProcessOptions { ScoreThreshold = 0.01f, NmsThreshold = 0.3f, TopKPerClass = 1000, MaxDetections = 500 },
        })
        {
            var expected = Reference(xyxy, probs, classes, o);
            var actual = DetectionPostProcessor.Select(xyxy, probs, classes, o);
            Assert.True(expected.Count > 0);
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>Two boxes of one class whose IoU is exactly <paramref name="iou"/>: a at [0, 0.5] x [0, 0.5], b shifted in x.</summary>
    private static float[] PairAtIou(double iou)
    {
        // Same-size squares of side s, shifted by d along x: IoU = (s - d) / (s + d)  =>  d = s (1 - iou) / (1 + iou).
        const float s = 0.5f;
        // Pick d so that the IoU computed in float32 is on the intended side of the thresholds used below.
        float d = (float)(s * (1 - iou) / (1 + iou));
        return [0.1f, 0.1f, 0.1f + s, 0.1f + s, 0.1f + d, 0.1f, 0.1f + s + d, 0.1f + s];
    }

    [Theory]
    [InlineData(0.2, 0.5, 2)]
    [InlineData(0.8, 0.5, 1)]
    [InlineData(0.49, 0.5, 2)]
    [InlineData(0.51, 0.5, 1)]
    public void Nms_KeepsOrDropsBoxesPlacedAtKnownIou(double iou, float threshold, int kept)
    {
        using var torchScope = TorchScope.Open();
        var xyxy = PairAtIou(iou);
        Assert.Equal((float)iou, Iou.Of(xyxy, 0, 1), 3);
        // Class 1 scores: box 0 best. Background gets the rest.
        float[] probs = [0.1f, 0.3f, 0.9f, 0.7f];
        var result = DetectionPostProcessor.Select(xyxy, probs, 2, new PostProcessOptions { NmsThreshold = threshold });
        Assert.Equal(kept, result.Length);
        Assert.Equal(0.9f, result[0].Score);
    }

    [Fact]
    public void Nms_DropsABoxWhoseIouEqualsTheThreshold()
    {
        using var torchScope = TorchScope.Open();
        // Identical-size boxes with IoU exactly 1/3 in float arithmetic: d = s/2.
        float[] xyxy = [0f, 0f, 0.5f, 0.5f, 0.25f, 0f, 0.75f, 0.5f];
        float iou = Iou.Of(xyxy, 0, 1);
        float[] probs = [0.1f, 0.3f, 0.9f, 0.7f];
        Assert.Single(DetectionPostProcessor.Select(xyxy, probs, 2, new PostProcessOptions { NmsThreshold = iou }));
        Assert.Equal(2, DetectionPostProcessor.Select(xyxy, probs, 2, new PostProcessOptions { NmsThreshold = BitIncrement(iou) }).Length);
    }

    private static float BitIncrement(float f) => MathF.BitIncrement(f);

    [Fact]
    public void Nms_IsPerClass()
    {
        using var torchScope = TorchScope.Open();
        // Two identical boxes, one best in class 1, the other best in class 2: both survive.
        float[] xyxy = [0.1f, 0.1f, 0.5f, 0.5f, 0.1f, 0.1f, 0.5f, 0.5f];
        float[] probs = [0.0f, 0.0f, 0.9f, 0.1f, 0.1f, 0.9f];
        var result = DetectionPostProcessor.Select(xyxy, probs, 3, Defaults);
        Assert.Equal(2, result.Length);
        Assert.Equal([1, 2], result.Select(d => d.ClassId).Order());
    }

    [Fact]
    public void Select_HonoursScoreThresholdTopKAndMax()
    {
        using var torchScope = TorchScope.Open();
        var (xyxy, probs) = RandomInput(9, 800, 5, 1f);
        var o = new PostProcessOptions { ScoreThreshold = 0.3f, TopKPerClass = 3, MaxDetections = 7, NmsThreshold = 1f };
        var result = DetectionPostProcessor.Select(xyxy, probs, 5, o);
        Assert.Equal(7, result.Length);
        Assert.All(result, d => Assert.True(d.Score > 0.3f));
        Assert.All(result.GroupBy(d => d.ClassId), g => Assert.True(g.Count() <= 3));
        Assert.Equal(result.OrderByDescending(d => d.Score), result);
    }

    [Fact]
    public void Select_WithNothingAboveThreshold_IsEmpty()
    {
        using var torchScope = TorchScope.Open();
        var (xyxy, _) = RandomInput(3, 100, 4, 1f);
        var probs = new float[4 * 100];
        Array.Fill(probs, 0.01f, 100, 300);
        Array.Fill(probs, 0.97f, 0, 100);
        Assert.Empty(DetectionPostProcessor.Select(xyxy, probs, 4, Defaults));
    }

    [Fact]
    public void Select_WithNoBoxes_IsEmpty()
    {
        using var torchScope = TorchScope.Open();
        Assert.Empty(DetectionPostProcessor.Select([], [], 3, Defaults));
    }

    [Fact]
    public void Process_DecodesSoftmaxesAndSelects_LikeTheManagedPath()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.SsdLite300);
        var processor = new DetectionPostProcessor(boxes, Defaults);
        manual_seed(7);
        using var locs = randn(2, 4, boxes.Count) * 0.5f;
        using var confs = randn(2, 5, boxes.Count) * 3f;
        var result = processor.Process(locs, confs);
        Assert.Equal(2, result.Length);

        var coder = new BoxCoder(boxes);
        for (int n = 0; n < 2; n++)
        {
            var xyxy = new float[4 * boxes.Count];
            coder.Decode(locs[n].data<float>().ToArray(), xyxy);
            using var p = nn.functional.softmax(confs[n], 0);
            var expected = Reference(xyxy, p.data<float>().ToArray(), 5, Defaults);
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Count, result[n].Length);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].ClassId, result[n][i].ClassId);
                Assert.Equal(expected[i].Score, result[n][i].Score, 5);
                Assert.Equal(expected[i].X1, result[n][i].X1, 5);
                Assert.Equal(expected[i].Y2, result[n][i].Y2, 5);
            }
        }
    }

    [Fact]
    public void Softmax_MatchesTheExactOne_OverEveryClassOfEveryBox()
    {
        // Its exp is a polynomial of its own (vectorised): within 2e-7 relative of MathF.Exp down to -87.
        for (float x = -87f; x <= 0; x += 0.01f)
        {
            float fast = System.Runtime.Intrinsics.Vector256.GetElement(Softmax.Exp(System.Runtime.Intrinsics.Vector256.Create(x)), 3);
            Assert.True(Math.Abs(fast - MathF.Exp(x)) <= 2e-7f * MathF.Exp(x), $"exp({x}) = {fast}, expected {MathF.Exp(x)}");
        }
        const int classes = 7, boxes = 37; // boxes not a multiple of the vector width: the scalar tail runs too
        var random = new Random(3);
        var logits = Enumerable.Range(0, classes * boxes).Select(_ => (float)(random.NextDouble() * 40 - 20)).ToArray();
        var probs = new float[classes * boxes];
        Softmax.OverClasses(logits, classes, probs, new float[2 * boxes]);
        for (int b = 0; b < boxes; b++)
        {
            double max = Enumerable.Range(0, classes).Max(c => logits[c * boxes + b]);
            double sum = Enumerable.Range(0, classes).Sum(c => Math.Exp(logits[c * boxes + b] - max));
            for (int c = 0; c < classes; c++) Assert.Equal(Math.Exp(logits[c * boxes + b] - max) / sum, probs[c * boxes + b], 6);
        }
    }

    [Fact]
    public void Process_RejectsWrongShapes()
    {
        using var torchScope = TorchScope.Open();
        var boxes = new DefaultBoxes(DefaultBoxConfig.SsdLite300);
        var processor = new DetectionPostProcessor(boxes, Defaults);
        using var locs = zeros(1, 4, 100);
        using var confs = zeros(1, 3, 100);
        Assert.Throws<ArgumentException>(() => processor.Process(locs, confs));
        using var locs2 = zeros(1, 4, boxes.Count);
        using var confs2 = zeros(2, 3, boxes.Count);
        Assert.Throws<ArgumentException>(() => processor.Process(locs2, confs2));
    }

    [Fact]
    public void Options_OutOfRange_AreRejected()
    {
        using var torchScope = TorchScope.Open();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostProcessOptions { NmsThreshold = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostProcessOptions { ScoreThreshold = 1.5f }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PostProcessOptions { MaxDetections = 0 }.Validate());
    }
}
