using Ssd.Model.Training;
using static TorchSharp.torch;

namespace Ssd.Model.Tests;

public class MultiBoxLossTests
{
    [Fact]
    public void ImageWithoutObjects_HasZeroLocalisationAndFiniteConfidenceLoss()
    {
        using var torchScope = TorchScope.Open();
        manual_seed(3);
        using var locs = randn(1, 4, 50);
        using var confs = randn(1, 5, 50);
        using var offsets = randn(1, 4, 50);
        using var labels = zeros(1, 50, ScalarType.Int64);
        var (total, loc, conf) = MultiBoxLoss.Compute(locs, confs, offsets, labels);
        Assert.Equal(0f, loc.item<float>());
        Assert.True(float.IsFinite(conf.item<float>()));
        // The reference masks images without positives out of the loss entirely.
        Assert.Equal(0f, conf.item<float>());
        Assert.Equal(0f, total.item<float>());
    }

    [Fact]
    public void SmallCase_MatchesHandComputedValue()
    {
        using var torchScope = TorchScope.Open();
        // One image, 6 default boxes, 3 classes. Box 0 is positive (class 2); boxes 1..5 are negatives.
        // Localisation: box 0 predicts (0, 0, 0, 0) against target (0.5, -2, 0, 1):
        //   smooth L1 = 0.5*0.5^2 + (2 - 0.5) + 0 + (1 - 0.5) = 0.125 + 1.5 + 0.5 = 2.125.
        //   Box 1 (negative) has a large offset error that must not count.
        // Confidence: logits per box (classes 0, 1, 2):
        //   box 0: (0, 0, ln 2)  -> CE for class 2 = ln(1 + 1 + 2) - ln 2 = ln 2
        //   box 1: (0, 0, 0)     -> CE for class 0 = ln 3
        //   box 2: (0, ln 7, 0)  -> CE = ln 9
        //   box 3: (0, ln 3, 0)  -> CE = ln 5
        //   box 4: (ln 2, 0, 0)  -> CE = ln 4 - ln 2 = ln 2
        //   box 5: (0, 0, ln 4)  -> CE = ln 6
        // 1 positive -> 3 hardest negatives: boxes 2 (ln 9), 5 (ln 6), 3 (ln 5).
        // Loss = (2.125 + ln 2 + ln 9 + ln 6 + ln 5) / 1.
        float l2 = MathF.Log(2), l3 = MathF.Log(3), l7 = MathF.Log(7), l4 = MathF.Log(4);
        using var confs = tensor(new float[]
        {
            0, 0, 0, 0, l2, 0,       // class 0 logits for boxes 0..5
            0, 0, l7, l3, 0, 0,      // class 1
            l2, 0, 0, 0, 0, l4,      // class 2
        }, [1, 3, 6]);
        using var locs = zeros(1, 4, 6);
        using var offsets = tensor(new float[]
        {
            0.5f, 9, 0, 0, 0, 0,
            -2f, 9, 0, 0, 0, 0,
            0f, 9, 0, 0, 0, 0,
            1f, 9, 0, 0, 0, 0,
        }, [1, 4, 6]);
        using var labels = tensor(new long[] { 2, 0, 0, 0, 0, 0 }, [1, 6]);
        var (total, loc, conf) = MultiBoxLoss.Compute(locs, confs, offsets, labels);
        double expectedConf = Math.Log(2) + Math.Log(9) + Math.Log(6) + Math.Log(5);
        Assert.Equal(2.125, loc.item<float>(), 5);
        Assert.Equal(expectedConf, conf.item<float>(), 5);
        Assert.Equal(2.125 + expectedConf, total.item<float>(), 5);
    }

    [Fact]
    public void Batch_IsTheMeanOfPerImageLosses_DividedByPositives()
    {
        using var torchScope = TorchScope.Open();
        manual_seed(11);
        using var locs = randn(2, 4, 40);
        using var confs = randn(2, 4, 40);
        using var offsets = randn(2, 4, 40);
        var lab = new long[80];
        lab[3] = 1; lab[7] = 2; lab[20] = 3;   // image 0: 3 positives
        lab[40 + 5] = 2;                         // image 1: 1 positive
        using var labels = tensor(lab, [2, 40]);
        var (total, _, _) = MultiBoxLoss.Compute(locs, confs, offsets, labels);
        var (t0, _, _) = MultiBoxLoss.Compute(locs[0..1], confs[0..1], offsets[0..1], labels[0..1]);
        var (t1, _, _) = MultiBoxLoss.Compute(locs[1..2], confs[1..2], offsets[1..2], labels[1..2]);
        Assert.Equal((t0.item<float>() + t1.item<float>()) / 2, total.item<float>(), 4);
    }

    [Fact]
    public void HardNegatives_AreCappedAtTheBoxCount()
    {
        using var torchScope = TorchScope.Open();
        // 2 positives of 4 boxes: 3 x 2 = 6 negatives wanted, only 2 exist; all boxes count.
        using var confs = zeros(1, 2, 4);
        using var locs = zeros(1, 4, 4);
        using var offsets = zeros(1, 4, 4);
        using var labels = tensor(new long[] { 1, 1, 0, 0 }, [1, 4]);
        var (_, _, conf) = MultiBoxLoss.Compute(locs, confs, offsets, labels);
        Assert.Equal(4 * Math.Log(2) / 2, conf.item<float>(), 5);
    }

    [Fact]
    public void Gradients_FlowToPredictions()
    {
        using var torchScope = TorchScope.Open();
        manual_seed(5);
        using var locs = randn(1, 4, 30).requires_grad_();
        using var confs = randn(1, 3, 30).requires_grad_();
        using var offsets = randn(1, 4, 30);
        var lab = new long[30];
        lab[4] = 1;
        using var labels = tensor(lab, [1, 30]);
        var (total, _, _) = MultiBoxLoss.Compute(locs, confs, offsets, labels);
        total.backward();
        Assert.True(locs.grad!.abs().sum().item<float>() > 0);
        Assert.True(confs.grad!.abs().sum().item<float>() > 0);
    }
}
