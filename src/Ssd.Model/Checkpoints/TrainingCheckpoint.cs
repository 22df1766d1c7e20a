using System.Text.Json.Nodes;
using Ssd.Model.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// Everything needed to resume training: the model (architecture, class names, weights), the
/// optimizer's state, and the progress (completed epochs, iterations, best validation mAP) with the
/// schedule it ran under. One file, written atomically (temporary file, then rename), so a run killed at
/// any moment leaves either the previous checkpoint or the new one. A checkpoint also loads as a model
/// (<see cref="ModelFile.Load"/>).
/// </summary>
public sealed record TrainingCheckpoint(int CompletedEpochs, long Iteration, double BestMap, JsonObject Schedule)
{
    public const string Format = "ssdstream-checkpoint";
    internal const string ModelPrefix = "model.";
    private const string OptimizerKey = "optimizer.state";

    /// <summary>Writes the checkpoint. <paramref name="optimizer"/> is saved in TorchSharp's optimizer format.</summary>
    public void Save(string path, SsdModel model, torch.optim.Optimizer optimizer)
    {
        byte[] optimizerState;
        using (var ms = new MemoryStream())
        {
            using (var writer = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(writer);
            }
            optimizerState = ms.ToArray();
        }
        var header = new JsonObject
        {
            ["format"] = Format,
            ["version"] = ModelFile.Version,
            ["architecture"] = model.Architecture.Name,
            ["input_size"] = model.Architecture.InputSize,
            ["num_classes"] = model.NumClasses,
            ["class_names"] = new JsonArray(model.ClassNames.Select(n => (JsonNode)n).ToArray()),
            ["completed_epochs"] = CompletedEpochs,
            ["iteration"] = Iteration,
            ["best_map"] = BestMap,
            ["schedule"] = Schedule.DeepClone(),
            ["saved"] = DateTime.UtcNow.ToString("O"),
        };
        using var scope = NewDisposeScope();
        var tensors = model.Network.state_dict().Select(kv => (ModelPrefix + kv.Key, kv.Value)).ToList();
        tensors.Add((OptimizerKey, tensor(optimizerState)));
        TensorBlobFile.Write(path, header, tensors);
    }

    /// <summary>
    /// Reads a checkpoint: the model (on the CPU), the progress, and the optimizer state to hand to
    /// <see cref="RestoreOptimizer"/> once the optimizer exists.
    /// </summary>
    public static (TrainingCheckpoint Checkpoint, SsdModel Model, byte[] OptimizerState) Load(string path)
    {
        var (header, tensors) = TensorBlobFile.Read(path);
        try
        {
            var format = HeaderFields.String(header, "format", path);
            if (format != Format) throw new CheckpointException($"{path}: not a training checkpoint (format '{format}')");
            var model = ModelFile.FromHeaderAndTensors(path, header, tensors, ModelPrefix);
            var optimizerState = tensors.TryGetValue(OptimizerKey, out var blob)
                ? blob.data<byte>().ToArray()
                : throw new CheckpointException($"{path}: missing key '{OptimizerKey}'");
            var checkpoint = new TrainingCheckpoint(
                (int)Math.Clamp(HeaderFields.Integer(header, "completed_epochs", path) ?? throw new CheckpointException($"{path}: no completed_epochs"), 0, int.MaxValue),
                HeaderFields.Integer(header, "iteration", path) ?? 0,
                HeaderFields.Number(header, "best_map", path) ?? -1,
                HeaderFields.Object(header, "schedule", path)?.DeepClone().AsObject() ?? new JsonObject());
            return (checkpoint, model, optimizerState);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Restores an optimizer state written by <see cref="Save"/> into an optimizer over the same parameters.</summary>
    public static void RestoreOptimizer(torch.optim.Optimizer optimizer, byte[] state)
    {
        using var ms = new MemoryStream(state);
        using var reader = new BinaryReader(ms);
        ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(reader);
    }
}
