using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Tests.Tracking;

/// <summary>
/// Hand-computed values for a box centred at (100, 200), aspect 0.5, height 100: position deviation
/// h/20 = 5, velocity deviation h/160 = 0.625. Every coordinate moves only with its own velocity, so
/// each (coordinate, velocity) pair is a 2 x 2 problem that can be worked on paper.
/// </summary>
public sealed class KalmanBoxFilterTests
{
    private const int N = KalmanBoxFilter.StateSize;
    private static readonly CornerBox Start = new(75, 150, 125, 250);

    private static double Cov(KalmanBoxFilter f, int i, int j) => f.Covariance[i * N + j];

    [Fact]
    public void Initiate_StartsAtTheBox_StandingStill_WithByteTracksUncertainty()
    {
        var f = new KalmanBoxFilter(Start);
        Assert.Equal([100, 200, 0.5, 100, 0, 0, 0, 0], f.Mean.ToArray());
        Assert.Equal(100, Cov(f, 0, 0), 9); // (2·5)²
        Assert.Equal(1e-4, Cov(f, 2, 2), 12); // (1e-2)²
        Assert.Equal(39.0625, Cov(f, 4, 4), 9); // (10·0.625)²
        Assert.Equal(1e-10, Cov(f, 6, 6), 15);
        Assert.Equal(0, Cov(f, 0, 4));
        Assert.Equal(Start, f.Box);
    }

    [Fact]
    public void Predict_OneStep_AddsVelocityUncertaintyToPosition()
    {
        var f = new KalmanBoxFilter(Start);
        f.Predict(1);
        Assert.Equal([100, 200, 0.5, 100, 0, 0, 0, 0], f.Mean.ToArray());
        // P00 + P44 + q = 100 + 39.0625 + 25; P04 = P44; P44 + (0.625)².
        Assert.Equal(164.0625, Cov(f, 0, 0), 9);
        Assert.Equal(164.0625, Cov(f, 3, 3), 9);
        Assert.Equal(39.0625, Cov(f, 0, 4), 9);
        Assert.Equal(39.0625, Cov(f, 4, 0), 9);
        Assert.Equal(39.453125, Cov(f, 4, 4), 9);
        Assert.Equal(2e-4 + 1e-10, Cov(f, 2, 2), 12);
        Assert.Equal(0, Cov(f, 0, 1));
    }

    [Fact]
    public void Predict_TwoSteps_ForADroppedFrame_MovesTwiceAsFar_WithTwiceTheProcessNoise()
    {
        var f = new KalmanBoxFilter(Start);
        f.Predict(2);
        // P00 + 2²·P44 + 2·25.
        Assert.Equal(100 + 4 * 39.0625 + 50, Cov(f, 0, 0), 9);
        Assert.Equal(2 * 39.0625, Cov(f, 0, 4), 9);
        Assert.Equal(39.0625 + 2 * 0.390625, Cov(f, 4, 4), 9);
    }

    [Fact]
    public void Update_MovesTowardsTheMeasurement_ByTheKalmanGain_AndLearnsVelocity()
    {
        var f = new KalmanBoxFilter(Start);
        f.Predict(1);
        // Measured: centre (110, 195), aspect 0.5, height 104.
        f.Update(new CornerBox(84, 143, 136, 247));
        const double s = 164.0625 + 25; // S = P00 + R00, R00 = (100/20)²
        const double gain = 164.0625 / s, velocityGain = 39.0625 / s;
        var mean = f.Mean.ToArray();
        Assert.Equal(100 + 10 * gain, mean[0], 9);
        Assert.Equal(200 - 5 * gain, mean[1], 9);
        Assert.Equal(0.5, mean[2], 9);
        Assert.Equal(100 + 4 * gain, mean[3], 9);
        Assert.Equal(10 * velocityGain, mean[4], 9);
        Assert.Equal(-5 * velocityGain, mean[5], 9);
        Assert.Equal(4 * velocityGain, mean[7], 9);
        // P − K·S·Kᵀ per pair: P00·R00/S, P04·R00/S, P44 − P04²/S.
        Assert.Equal(164.0625 * 25 / s, Cov(f, 0, 0), 9);
        Assert.Equal(39.0625 * 25 / s, Cov(f, 0, 4), 9);
        Assert.Equal(39.0625 * 25 / s, Cov(f, 4, 0), 9);
        Assert.Equal(39.453125 - 39.0625 * 39.0625 / s, Cov(f, 4, 4), 9);
        // The aspect's measurement noise 1e-2 dwarfs its 2e-4 uncertainty: P22·R22/S22.
        Assert.Equal((2e-4 + 1e-10) * 1e-2 / (2e-4 + 1e-10 + 1e-2), Cov(f, 2, 2), 12);
    }

    [Fact]
    public void Filter_FollowingABoxAtConstantSpeed_PredictsWhereItWillBe()
    {
        var f = new KalmanBoxFilter(Start);
        for (int step = 1; step <= 30; step++)
        {
            f.Predict(1);
            f.Update(new CornerBox(75 + 4 * step, 150, 125 + 4 * step, 250));
        }
        Assert.Equal(4, f.Mean[4], 1);
        f.Predict(5);
        var b = f.Box;
        Assert.Equal(75 + 4 * 35, b.X1, 1f);
        Assert.Equal(150, b.Y1, 1f);
        Assert.True(new CornerBox(75 + 4 * 35, 150, 125 + 4 * 35, 250).Iou(b) > 0.95f);
    }
}
