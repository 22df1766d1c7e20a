using OpenCvSharp;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data;
using Ssd.Model.Data.Synthetic;
using Ssd.Model.Devices;
using Ssd.Model.Networks;
using Ssd.Model.Training;
using TorchSharp;

namespace Ssd.Model.Tests;

/// <summary>
/// Training runs alone: the trainer seeds torch's global generator, which tests running in parallel
/// would otherwise draw from at the same time, making runs irreproducible.
/// </summary>
[CollectionDefinition(nameof(SsdTrainerTests), DisableParallelization = true)]
public sealed class TrainingCollection;

[Collection(nameof(SsdTrainerTests))]
public sealed class SsdTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-train-").FullName;

    public SsdTrainerTests() => TorchRuntime.Initialise();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Recorder : ITrainingObserver
    {
        public List<TrainingStep> Steps { get; } = [];
        public List<EpochSummary> Epochs { get; } = [];
        public List<long> LiveTensorsAtEpochEnd { get; } = [];
        public int FirstEpoch { get; private set; }

        /// <summary>Called at the end of each epoch, after the trainer has logged and saved it.</summary>
        public Action<EpochSummary>? AtEpochEnd { get; init; }

        public void OnStart(int firstEpoch, int epochs, int batchesPerEpoch, string device) => FirstEpoch = firstEpoch;

        public void OnStep(TrainingStep step) => Steps.Add(step);

        public void OnEvaluating(int epoch)
        {
        }

        public void OnEpoch(EpochSummary summary)
        {
            Epochs.Add(summary);
            LiveTensorsAtEpochEnd.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            AtEpochEnd?.Invoke(summary);
        }
    }

    private DetectionDataset Synthetic(int images, int seed)
    {
        var root = Path.Combine(_dir, $"data-{seed}");
        // Many objects of many sizes (down to 4% of the short side), so that a few images give many matches.
        var summary = SyntheticDatasetWriter.Write(root, images, seed, 0, new SyntheticSceneOptions { MinSize = 0.04, MaxSize = 0.40 });
        return CocoDatasetReader.Read(summary.TrainAnnotations, Path.Combine(root, "train", "images"));
    }

    private TrainingOptions Options(string run, int epochs) => new()
    {
        Architecture = SsdArchitecture.SsdLiteMobileNetV2,
        OutputDirectory = Path.Combine(_dir, run),
        Epochs = epochs,
        BatchSize = 4,
        LearningRate = 0.4,          // 0.05 for this batch of 4
        Milestones = [1000],
        WarmupIterations = 0,
        Workers = 2,
        Device = "cpu",
    };

    [Fact]
    public void ShortRun_OnFourImages_HalvesTheLoss_AndKeepsMemoryFlat()
    {
        using var torchScope = TorchScope.Open();
        var data = Synthetic(4, seed: 11);
        var recorder = new Recorder();
        var final = new SsdTrainer(Options("short", 20), recorder).Run(data, null);

        Assert.Equal(20, recorder.Steps.Count);
        double first = recorder.Steps.Take(3).Average(s => s.Loss);
        double last = recorder.Steps.TakeLast(3).Average(s => s.Loss);
        Assert.True(last <= first / 2, $"loss went from {first:0.000} to {last:0.000}");
        // Seeded: the same run again gives the same losses.
        var again = new Recorder();
        new SsdTrainer(Options("again", 3), again).Run(data, null);
        Assert.Equal(recorder.Steps.Take(3).Select(s => s.Loss), again.Steps.Select(s => s.Loss));
        Assert.True(File.Exists(final));
        Assert.True(File.Exists(Path.Combine(_dir, "short", SsdTrainer.LastCheckpointName)));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_dir, "short", "logs"), "events.out.tfevents.*"));
        // Every step runs in its own dispose scope: no tensor survives from one epoch to the next.
        Assert.Equal(recorder.LiveTensorsAtEpochEnd[2], recorder.LiveTensorsAtEpochEnd[^1]);
    }

    [Fact]
    public void EvaluatedEpochs_LogScalarsAndAnnotatedValidationImages_OnDiskBeforeTheEpochIsReported()
    {
        using var torchScope = TorchScope.Open();
        var data = Synthetic(4, seed: 14);
        var validation = Synthetic(5, seed: 15);
        var logs = Path.Combine(_dir, "board", "logs");
        List<Tensorboard.Event>? afterFirstEpoch = null;
        var recorder = new Recorder { AtEpochEnd = _ => afterFirstEpoch ??= TensorBoardEventFile.Read(TensorBoardEventFile.In(logs)) };
        new SsdTrainer(Options("board", 2), recorder).Run(data, validation);

        // What a run killed after reporting epoch 1 would have left: epoch 1's scalars and images.
        Assert.NotNull(afterFirstEpoch);
        var scalars = TensorBoardEventFile.Scalars(afterFirstEpoch);
        Assert.Contains(scalars, s => s.Tag == "train/loss" && s.Step == 1 && s.Value == recorder.Steps[0].Loss);
        Assert.Contains(scalars, s => s.Tag == "epoch/loss" && s.Step == 1);
        Assert.Contains(scalars, s => s.Tag == "val/mAP" && s.Step == 1 && Math.Abs(s.Value - recorder.Epochs[0].Validation!.AP) < 1e-6);
        Assert.Equal(AnnotatedValidationImages.Count, TensorBoardEventFile.Images(afterFirstEpoch).Count(i => i.Step == 1));

        // At the end: the first four validation images, under their tags, for each evaluated epoch.
        var images = TensorBoardEventFile.Images(TensorBoardEventFile.Read(TensorBoardEventFile.In(logs)));
        var expectedTags = Enumerable.Range(0, AnnotatedValidationImages.Count).Select(AnnotatedValidationImages.Tag).ToList();
        Assert.Equal(expectedTags.Concat(expectedTags), images.Select(i => i.Tag));
        Assert.Equal(Enumerable.Repeat(1L, 4).Concat(Enumerable.Repeat(2L, 4)), images.Select(i => i.Step));
        for (int k = 0; k < images.Count; k++)
        {
            var source = validation.Images[k % AnnotatedValidationImages.Count];
            using var png = Cv2.ImDecode(images[k].Image.EncodedImageString.ToByteArray(), ImreadModes.Color);
            Assert.False(png.Empty(), $"{images[k].Tag} at step {images[k].Step} is not a PNG OpenCV can decode");
            Assert.Equal((images[k].Image.Width, images[k].Image.Height), (png.Width, png.Height));
            // Scaled to at most MaxSide, keeping the image's aspect ratio.
            Assert.Equal(Math.Min(AnnotatedValidationImages.MaxSide, Math.Max(source.Width, source.Height)), Math.Max(png.Width, png.Height));
            Assert.Equal((double)source.Width / source.Height, (double)png.Width / png.Height, 1);
        }
    }

    [Fact]
    public void Resume_ContinuesExactlyWhereTheRunStopped()
    {
        using var torchScope = TorchScope.Open();
        var data = Synthetic(8, seed: 12);
        // One run of 3 epochs without a stop...
        var whole = new Recorder();
        new SsdTrainer(Options("whole", 3) with { Milestones = [2] }, whole).Run(data, null);
        // ...and one that stops after epoch 2, then resumes for epoch 3.
        var first = new Recorder();
        new SsdTrainer(Options("split", 2) with { Milestones = [2] }, first).Run(data, null);
        var resumed = new Recorder();
        new SsdTrainer(Options("split", 3) with { Milestones = [2], Resume = true }, resumed).Run(data, null);

        Assert.Equal(3, resumed.FirstEpoch);
        // Same data and seed: the first two epochs are the same in both runs.
        Assert.Equal(whole.Steps.Where(x => x.Epoch <= 2).Select(x => Math.Round(x.Loss, 3)), first.Steps.Select(x => Math.Round(x.Loss, 3)));
        var expected = whole.Steps.Where(s => s.Epoch == 3).ToList();
        var actual = resumed.Steps;
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Iteration, actual[i].Iteration);
            Assert.Equal(expected[i].LearningRate, actual[i].LearningRate);
            Assert.Equal(expected[i].Loss, actual[i].Loss, 3);
        }
        // The milestone after epoch 2 applies to epoch 3 in both.
        Assert.Equal(0.1 * whole.Steps[0].LearningRate, actual[0].LearningRate, 12);
    }

    [Fact]
    public void Checkpoint_LoadsAsAModel_WithTheDatasetClassNames()
    {
        using var torchScope = TorchScope.Open();
        var data = Synthetic(4, seed: 13);
        new SsdTrainer(Options("ckpt", 1), new Recorder()).Run(data, null);
        using var model = ModelFile.Load(Path.Combine(_dir, "ckpt", SsdTrainer.LastCheckpointName));
        Assert.Equal(SyntheticShapes.ClassNames, model.ClassNames);
        var (checkpoint, m, state) = TrainingCheckpoint.Load(Path.Combine(_dir, "ckpt", SsdTrainer.LastCheckpointName));
        m.Dispose();
        Assert.Equal(1, checkpoint.CompletedEpochs);
        Assert.Equal(1, checkpoint.Iteration);
        Assert.NotEmpty(state);
    }

    [Fact]
    public void Schedule_WarmsUpLinearly_ThenStepsDownAfterMilestones()
    {
        using var torchScope = TorchScope.Open();
        var s = new LearningRateSchedule(0.1, [2, 4], 0.1, WarmupIterations: 10);
        Assert.Equal(0.01, s.RateAt(1, 0), 12);
        Assert.Equal(0.1, s.RateAt(1, 9), 12);
        Assert.Equal(0.1, s.RateAt(2, 50), 12);
        Assert.Equal(0.01, s.RateAt(3, 50), 12);
        Assert.Equal(0.01, s.RateAt(4, 50), 12);
        Assert.Equal(0.001, s.RateAt(5, 50), 12);
    }
}
