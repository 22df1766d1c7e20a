using System.Diagnostics;
using Ssd.Model.Training;

namespace SsdStream.Service.Commands;

/// <summary>
/// The running numbers of the epoch in progress, from its steps: the mean loss so far, images per second
/// since the epoch began, and the time left at that pace. Shared by the plain log and the progress bars,
/// so both show the same numbers.
/// </summary>
internal sealed class EpochMeter
{
    private readonly Stopwatch _clock = new();
    private double _lossSum;
    private int _lossCount;

    /// <summary>Starts the clock of the next epoch (at the start and after each epoch's summary).</summary>
    public void Restart() => _clock.Restart();

    /// <summary>Counts <paramref name="step"/>; the first batch of an epoch starts the mean loss afresh.</summary>
    public void Add(TrainingStep step)
    {
        if (step.Batch == 1)
        {
            _lossSum = 0;
            _lossCount = 0;
        }
        _lossSum += step.Loss;
        _lossCount++;
    }

    /// <summary>
    /// <c>loss 0.000 lr 0.###e0 0.0 img/s left hh:mm:ss</c> after <paramref name="step"/>: the epoch's mean
    /// loss so far, the step's learning rate, and the epoch's pace.
    /// </summary>
    public string Stats(TrainingStep step)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        var left = TimeSpan.FromSeconds(seconds / step.Batch * (step.BatchesPerEpoch - step.Batch));
        double imagesPerSecond = step.Batch * step.BatchSize / Math.Max(1e-9, seconds);
        return $"loss {_lossSum / Math.Max(1, _lossCount):0.000} lr {step.LearningRate:0.###e0} {imagesPerSecond:0.0} img/s left {left:hh\\:mm\\:ss}";
    }
}
