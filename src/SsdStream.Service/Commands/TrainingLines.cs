using Ssd.Model.Training;

namespace SsdStream.Service.Commands;

/// <summary>The lines <c>train</c> prints whether it draws progress bars or not.</summary>
internal static class TrainingLines
{
    public static string Start(int firstEpoch, int epochs, int batchesPerEpoch, string device) =>
        firstEpoch > epochs
            ? $"nothing to do: {epochs} epochs already completed"
            : $"{(firstEpoch > 1 ? $"resuming at epoch {firstEpoch}" : "starting")}: {epochs} epochs of {batchesPerEpoch} batches on {device}";

    public static string Evaluating(int epoch) => $"epoch {epoch}: evaluating on the validation set...";

    public static string Epoch(EpochSummary e)
    {
        var val = e.Validation is { } m ? $", val mAP {m.AP:0.000} AP50 {m.AP50:0.000}{(e.IsBest ? " (best)" : "")}" : "";
        return $"epoch {e.Epoch}/{e.Epochs}: loss {e.MeanLoss:0.000}, lr {e.LearningRate:0.###e0}, {e.ImagesPerSecond:0.0} img/s, {e.Duration:hh\\:mm\\:ss}{val}; saved {e.CheckpointPath}";
    }
}
