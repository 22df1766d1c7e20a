using System.Diagnostics;
using System.Text.Json.Nodes;
using Ssd.Model.Boxes;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data;
using Ssd.Model.Devices;
using Ssd.Model.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Training;

/// <summary>
/// Trains an SSD with the reference recipe: SGD with Nesterov momentum, weight decay on conv weights
/// only, linear warm-up and multi-step decay, reference augmentation on worker threads, MultiBoxLoss.
/// After every epoch it writes <c>last.ckpt</c> atomically; with a validation set it evaluates COCO mAP
/// and keeps the best model as <c>best.ssdm</c>; at the end it writes <c>final.ssdm</c>. TensorBoard gets
/// the losses and rate per step, the mean loss and speed per epoch, and, per evaluated epoch, mAP, AP50 and
/// a few validation images with the detections drawn (<see cref="TrainingBoard"/>). Every step runs in its
/// own dispose scope, so memory stays flat across epochs.
/// </summary>
public sealed class SsdTrainer(TrainingOptions options, ITrainingObserver observer)
{
    public const string LastCheckpointName = "last.ckpt";
    public const string BestModelName = "best.ssdm";
    public const string FinalModelName = "final.ssdm";

    /// <summary>Runs the training; returns the path of the final model.</summary>
    public string Run(DetectionDataset train, DetectionDataset? validation, CancellationToken cancellation = default)
    {
        options.Validate();
        Directory.CreateDirectory(options.OutputDirectory);
        RemoveStaleTemporaryFiles(options.OutputDirectory);
        var lastPath = Path.Combine(options.OutputDirectory, LastCheckpointName);
        var device = ComputeDevice.Select(options.Device);
        var schedule = new LearningRateSchedule(options.LearningRate * options.BatchSize / 32.0, options.Milestones, options.Gamma, options.WarmupIterations);

        // Fresh weights come from torch's generator: seeded, a run is reproducible.
        torch.manual_seed(options.Seed);
        var (model, resumed, optimizerState) = PrepareModel(train, lastPath);
        using var _ = model;
        model.Network.to(device.Device);
        using var optimizer = CreateOptimizer(model, schedule.BaseRate);
        if (optimizerState != null) TrainingCheckpoint.RestoreOptimizer(optimizer, optimizerState);

        var coder = new BoxCoder(model.DefaultBoxes);
        var loader = new TrainingBatchLoader(train, coder, model.Architecture.InputSize, options.BatchSize, options.Workers, options.Seed);
        int firstEpoch = (resumed?.CompletedEpochs ?? 0) + 1;
        long iteration = resumed?.Iteration ?? 0;
        double bestMap = resumed?.BestMap ?? -1;
        var board = new TrainingBoard(Path.Combine(options.OutputDirectory, TrainingRunFolder.LogsName));
        observer.OnStart(firstEpoch, options.Epochs, loader.BatchesPerEpoch, device.ToString());

        int size = model.Architecture.InputSize;
        int boxes = model.DefaultBoxes.Count;
        for (int epoch = firstEpoch; epoch <= options.Epochs; epoch++)
        {
            model.Network.train();
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            int batches = 0;
            double rate = schedule.RateAt(epoch, iteration);
            foreach (var batch in loader.Epoch(epoch, cancellation))
            {
                cancellation.ThrowIfCancellationRequested();
                rate = schedule.RateAt(epoch, iteration);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                var stepClock = Stopwatch.StartNew();
                float loss, locLoss, confLoss;
                using (NewDisposeScope())
                {
                    var images = tensor(batch.Images, [batch.Count, 3, size, size]).to(device.Device);
                    var targetOffsets = tensor(batch.Offsets, [batch.Count, 4, boxes]).to(device.Device);
                    var targetLabels = tensor(batch.Labels, [batch.Count, boxes]).to(device.Device);
                    var (locs, confs) = model.Network.forward(images);
                    var (total, loc, conf) = MultiBoxLoss.Compute(locs, confs, targetOffsets, targetLabels);
                    optimizer.zero_grad();
                    total.backward();
                    optimizer.step();
                    loss = total.item<float>();
                    locLoss = loc.item<float>();
                    confLoss = conf.item<float>();
                }
                if (!float.IsFinite(loss)) throw new InvalidOperationException($"the loss became {loss} at epoch {epoch}, iteration {iteration}; try a lower --lr or a longer --warmup");
                iteration++;
                batches++;
                lossSum += loss;
                observer.OnStep(new TrainingStep(epoch, options.Epochs, batches, loader.BatchesPerEpoch, batch.Count, iteration, loss, locLoss, confLoss, rate,
                    batch.Count / Math.Max(1e-9, stepClock.Elapsed.TotalSeconds)));
                board.AddScalar("train/loss", loss, iteration);
                board.AddScalar("train/loss_localisation", locLoss, iteration);
                board.AddScalar("train/loss_confidence", confLoss, iteration);
                board.AddScalar("train/lr", rate, iteration);
            }
            var duration = clock.Elapsed;
            double meanLoss = lossSum / Math.Max(1, batches);
            double imagesPerSecond = batches * loader.BatchSize / Math.Max(1e-9, duration.TotalSeconds);
            board.AddScalar("epoch/loss", meanLoss, epoch);
            board.AddScalar("epoch/images_per_second", imagesPerSecond, epoch);

            CocoMetrics? metrics = null;
            bool isBest = false;
            if (validation != null && (epoch % options.EvaluateEvery == 0 || epoch == options.Epochs))
            {
                observer.OnEvaluating(epoch);
                model.Network.eval();
                metrics = DatasetEvaluation.Run(model, device, validation, cancellation: cancellation).Metrics;
                board.AddScalar("val/mAP", metrics.AP, epoch);
                board.AddScalar("val/AP50", metrics.AP50, epoch);
                LogValidationImages(board, model, device, validation, epoch);
                if (metrics.AP > bestMap)
                {
                    bestMap = metrics.AP;
                    isBest = true;
                    ModelFile.Save(model, Path.Combine(options.OutputDirectory, BestModelName), metadata: Metadata(epoch, metrics.AP));
                }
            }
            new TrainingCheckpoint(epoch, iteration, bestMap, ScheduleJson(schedule)).Save(lastPath, model, optimizer);
            observer.OnEpoch(new EpochSummary(epoch, options.Epochs, meanLoss, rate, imagesPerSecond, duration, metrics, isBest, lastPath));
        }
        var finalPath = Path.Combine(options.OutputDirectory, FinalModelName);
        ModelFile.Save(model, finalPath, metadata: Metadata(options.Epochs, bestMap));
        return finalPath;
    }

    private static void LogValidationImages(TrainingBoard board, SsdModel model, ComputeDevice device, DetectionDataset validation, int epoch)
    {
        var images = AnnotatedValidationImages.Render(model, device, validation);
        try
        {
            for (int k = 0; k < images.Count; k++) board.AddImage(AnnotatedValidationImages.Tag(k), images[k], epoch);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    private (SsdModel Model, TrainingCheckpoint? Resumed, byte[]? OptimizerState) PrepareModel(DetectionDataset train, string lastPath)
    {
        if (options.Resume && File.Exists(lastPath))
        {
            var (checkpoint, model, state) = TrainingCheckpoint.Load(lastPath);
            if (model.Architecture != options.Architecture || !model.ClassNames.SequenceEqual(train.ClassNames))
            {
                model.Dispose();
                throw new CheckpointException($"{lastPath}: was trained as {model.Architecture.Name} on other classes; use another --out to start afresh");
            }
            return (model, checkpoint, state);
        }
        if (options.Resume && Directory.EnumerateFiles(options.OutputDirectory).Any(f => Path.GetFileName(f) == FinalModelName))
            throw new CheckpointException($"{options.OutputDirectory}: has a final model but no {LastCheckpointName} to resume from");

        var fresh = SsdModel.Create(options.Architecture, train.ClassNames);
        if (options.From is null) return (fresh, null, null);
        try
        {
            if (string.Equals(Path.GetExtension(options.From), ".pth", StringComparison.OrdinalIgnoreCase) ||
                string.Equals(Path.GetExtension(options.From), ".pt", StringComparison.OrdinalIgnoreCase))
            {
                var state = PyTorchCheckpointImporter.ReadStateDict(options.From);
                try { StateDictLoader.Load(fresh.Network, state, options.From, reinitialiseClassHeads: true); }
                finally { foreach (var t in state.Values) t.Dispose(); }
            }
            else
            {
                using var source = ModelFile.Load(options.From);
                if (source.Architecture != options.Architecture)
                    throw new CheckpointException($"{options.From}: is a {source.Architecture.Name} model, not {options.Architecture.Name}");
                StateDictLoader.Load(fresh.Network, source.Network.state_dict(), options.From, reinitialiseClassHeads: source.NumClasses != fresh.NumClasses);
            }
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
        return (fresh, null, null);
    }

    /// <summary>Temporary files of a run that was killed while writing (the checkpoint itself is never half-written).</summary>
    private static void RemoveStaleTemporaryFiles(string directory)
    {
        foreach (var tmp in Directory.EnumerateFiles(directory, ".*.tmp")) File.Delete(tmp);
    }

    /// <summary>SGD with Nesterov momentum; weight decay on tensors of more than one dimension (conv weights) only.</summary>
    private torch.optim.Optimizer CreateOptimizer(SsdModel model, double rate)
    {
        var parameters = model.Network.parameters().ToList();
        var decay = parameters.Where(p => p.dim() > 1).ToList();
        var noDecay = parameters.Where(p => p.dim() <= 1).ToList();
        var groups = new[]
        {
            new TorchSharp.Modules.SGD.ParamGroup(decay, rate, options.Momentum, 0, options.WeightDecay, true, false),
            new TorchSharp.Modules.SGD.ParamGroup(noDecay, rate, options.Momentum, 0, 0, true, false),
        };
        return torch.optim.SGD(groups, rate, options.Momentum, 0, options.WeightDecay, true, false);
    }

    private JsonObject ScheduleJson(LearningRateSchedule schedule) => new()
    {
        ["base_rate"] = schedule.BaseRate,
        ["milestones"] = new JsonArray(schedule.Milestones.Select(m => (JsonNode)m).ToArray()),
        ["gamma"] = schedule.Gamma,
        ["warmup_iterations"] = schedule.WarmupIterations,
        ["batch_size"] = options.BatchSize,
        ["epochs"] = options.Epochs,
        ["seed"] = options.Seed,
    };

    private static JsonObject Metadata(int epoch, double map) => new()
    {
        ["trained_epochs"] = epoch,
        ["val_map"] = map,
        ["created"] = DateTime.UtcNow.ToString("O"),
    };
}
