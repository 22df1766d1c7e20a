using Ssd.Model.Evaluation;

namespace Ssd.Model.Training;

/// <summary>One finished training step.</summary>
public sealed record TrainingStep(int Epoch, int Epochs, int Batch, int BatchesPerEpoch, int BatchSize, long Iteration, float Loss, float LocalisationLoss, float ConfidenceLoss, double LearningRate, double ImagesPerSecond);

/// <summary>One finished epoch: mean loss, and the validation metrics when it was evaluated.</summary>
public sealed record EpochSummary(int Epoch, int Epochs, double MeanLoss, double LearningRate, double ImagesPerSecond, TimeSpan Duration, CocoMetrics? Validation, bool IsBest, string CheckpointPath);

/// <summary>Receives training progress (a console bar, log lines, tests).</summary>
public interface ITrainingObserver
{
    void OnStart(int firstEpoch, int epochs, int batchesPerEpoch, string device);

    void OnStep(TrainingStep step);

    void OnEvaluating(int epoch);

    void OnEpoch(EpochSummary summary);
}
