using Ssd.Model.Networks;

namespace Ssd.Model.Training;

/// <summary>Settings of a training run; defaults are the reference recipe (docs/model.md).</summary>
public sealed record TrainingOptions
{
    public required SsdArchitecture Architecture { get; init; }

    /// <summary>Directory for checkpoints (<c>last.ckpt</c>), models (<c>best.ssdm</c>, <c>final.ssdm</c>) and TensorBoard logs (<c>logs/</c>).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Start from this model file, training checkpoint or PyTorch .pth (class heads start fresh when the class count differs).</summary>
    public string? From { get; init; }

    /// <summary>Continue from <c>OutputDirectory/last.ckpt</c>.</summary>
    public bool Resume { get; init; }

    public int Epochs { get; init; } = 65;

    public int BatchSize { get; init; } = 32;

    /// <summary>Learning rate for a batch of 32; the run uses <c>LearningRate x BatchSize / 32</c> as the reference does.</summary>
    public double LearningRate { get; init; } = 2.6e-3;

    public IReadOnlyList<int> Milestones { get; init; } = [43, 54];

    public double Gamma { get; init; } = 0.1;

    public int WarmupIterations { get; init; } = 300;

    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay of conv weights; batch-norm parameters and biases get none.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Threads that load and augment batches ahead of the training step.</summary>
    public int Workers { get; init; } = 2;

    public int Seed { get; init; } = 1;

    /// <summary>auto, cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Evaluate on the validation set every this many epochs (and after the last).</summary>
    public int EvaluateEvery { get; init; } = 1;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "--epochs must be at least 1");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "--batch must be at least 1");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "--lr must be positive");
        if (WarmupIterations < 0) throw new ArgumentOutOfRangeException(nameof(WarmupIterations), WarmupIterations, "--warmup cannot be negative");
        if (Workers < 1) throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "--workers must be at least 1");
        if (Milestones.Any(m => m < 1)) throw new ArgumentOutOfRangeException(nameof(Milestones), "--milestones are epochs, 1 or more");
        if (EvaluateEvery < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), EvaluateEvery, "evaluation interval must be at least 1");
    }
}
