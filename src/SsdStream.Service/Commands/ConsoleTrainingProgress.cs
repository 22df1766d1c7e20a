using System.Diagnostics;
using Ssd.Model.Training;

namespace SsdStream.Service.Commands;

/// <summary>
/// Shows training progress: on a terminal one bar per epoch redrawn in place (loss, learning rate,
/// images/s, time left); otherwise plain log lines, about ten per epoch.
/// </summary>
internal sealed class ConsoleTrainingProgress(bool plain) : ITrainingObserver, IDisposable
{
    private const int BarWidth = 24;
    private readonly Stopwatch _epochClock = new();
    private double _lossSum;
    private int _lossCount;
    private int _lastLoggedTenth = -1;

    public void OnStart(int firstEpoch, int epochs, int batchesPerEpoch, string device)
    {
        if (firstEpoch > epochs) Console.WriteLine($"nothing to do: {epochs} epochs already completed");
        else Console.WriteLine($"{(firstEpoch > 1 ? $"resuming at epoch {firstEpoch}" : "starting")}: {epochs} epochs of {batchesPerEpoch} batches on {device}");
        _epochClock.Restart();
    }

    public void OnStep(TrainingStep s)
    {
        if (s.Batch == 1)
        {
            _lossSum = 0;
            _lossCount = 0;
            _lastLoggedTenth = -1;
        }
        _lossSum += s.Loss;
        _lossCount++;
        double perBatch = _epochClock.Elapsed.TotalSeconds / s.Batch;
        var left = TimeSpan.FromSeconds(perBatch * (s.BatchesPerEpoch - s.Batch));
        double imagesPerSecond = s.Batch * s.BatchSize / Math.Max(1e-9, _epochClock.Elapsed.TotalSeconds);
        string stats = $"loss {_lossSum / _lossCount:0.000} lr {s.LearningRate:0.###e0} {imagesPerSecond:0.0} img/s left {left:hh\\:mm\\:ss}";
        if (plain)
        {
            int tenth = s.Batch * 10 / s.BatchesPerEpoch;
            if (tenth == _lastLoggedTenth && s.Batch != s.BatchesPerEpoch) return;
            _lastLoggedTenth = tenth;
            Console.WriteLine($"epoch {s.Epoch}/{s.Epochs} batch {s.Batch}/{s.BatchesPerEpoch} {stats}");
            return;
        }
        int filled = s.Batch * BarWidth / s.BatchesPerEpoch;
        Console.Write($"\repoch {s.Epoch}/{s.Epochs} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {s.Batch}/{s.BatchesPerEpoch} {stats}   ");
    }

    public void OnEvaluating(int epoch)
    {
        if (!plain) Console.WriteLine();
        Console.WriteLine($"epoch {epoch}: evaluating on the validation set...");
    }

    public void OnEpoch(EpochSummary e)
    {
        if (!plain && e.Validation is null) Console.WriteLine();
        var val = e.Validation is { } m ? $", val mAP {m.AP:0.000} AP50 {m.AP50:0.000}{(e.IsBest ? " (best)" : "")}" : "";
        _epochClock.Restart();
        Console.WriteLine($"epoch {e.Epoch}/{e.Epochs}: loss {e.MeanLoss:0.000}, lr {e.LearningRate:0.###e0}, {e.ImagesPerSecond:0.0} img/s, {e.Duration:hh\\:mm\\:ss}{val}; saved {e.CheckpointPath}");
    }

    public void Dispose()
    {
    }
}
