namespace Ssd.Model.Training;

/// <summary>
/// The reference learning-rate schedule: a linear warm-up over the first iterations, then a multi-step
/// decay by <paramref name="Gamma"/> after each milestone epoch. A pure function of (epoch, iteration), so
/// a resumed run continues on exactly the same curve.
/// </summary>
/// <param name="BaseRate">Rate after warm-up and before the first milestone.</param>
/// <param name="Milestones">Epochs (1-based) after which the rate is multiplied by <paramref name="Gamma"/>.</param>
/// <param name="WarmupIterations">Iterations of linear warm-up from BaseRate / WarmupIterations to BaseRate (0: none).</param>
public sealed record LearningRateSchedule(double BaseRate, IReadOnlyList<int> Milestones, double Gamma = 0.1, int WarmupIterations = 0)
{
    /// <summary>The rate for an iteration of <paramref name="epoch"/> (1-based), <paramref name="iteration"/> counting from 0 over the whole run.</summary>
    public double RateAt(int epoch, long iteration)
    {
        double rate = BaseRate * Math.Pow(Gamma, Milestones.Count(m => m < epoch));
        if (WarmupIterations > 0 && iteration < WarmupIterations) rate *= (iteration + 1) / (double)WarmupIterations;
        return rate;
    }
}
