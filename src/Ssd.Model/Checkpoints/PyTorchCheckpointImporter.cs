using System.Collections;
using Ssd.Model.Networks;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// Reads checkpoints written by PyTorch's <c>torch.save</c> for the reference models: a bare state dict,
/// or a dict holding it under <c>model</c> (NVIDIA) or <c>model_state_dict</c> (SSD-pytorch), with or
/// without the <c>module.</c> prefix of DataParallel.
/// </summary>
public static class PyTorchCheckpointImporter
{
    private static readonly string[] ContainerKeys = ["model", "model_state_dict", "state_dict"];
    private const string DataParallelPrefix = "module.";

    /// <summary>
    /// Imports <paramref name="path"/> as <paramref name="architecture"/>. Without
    /// <paramref name="classNames"/>, the class count comes from the checkpoint (COCO names for 81 classes);
    /// with them, a checkpoint of another class count loads everything but the class heads, which start
    /// fresh for fine-tuning.
    /// </summary>
    public static SsdModel Import(string path, SsdArchitecture architecture, IReadOnlyList<string>? classNames = null)
    {
        var state = ReadStateDict(path);
        try
        {
            int checkpointClasses = ClassCount(state, architecture, path);
            var names = classNames ?? ClassNames.Default(checkpointClasses - 1);
            var model = SsdModel.Create(architecture, names);
            try
            {
                StateDictLoader.Load(model.Network, state, path, reinitialiseClassHeads: classNames != null);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            return model;
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>Reads the state dict out of any of the container forms, keys without the DataParallel prefix.</summary>
    /// <summary>
    /// Whether the file starts as a zip archive does, which every <c>torch.save</c> file since PyTorch 1.6
    /// is; the unpickler's own error for anything else speaks of an old PyTorch format, which misleads.
    /// </summary>
    private static bool IsZipArchive(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("PK\u0003\u0004"u8);
    }

    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist", path);
        // The unpickler makes temporary tensors it never disposes; in a scope they are disposed here, not by
        // the finalizer thread (which could free one while native code still uses it). The tensors returned
        // leave the scope.
        if (!IsZipArchive(path))
            throw new CheckpointException($"{path}: not a PyTorch checkpoint (torch.save writes a zip archive, and this file is not one)");
        using var scope = NewDisposeScope();
        Hashtable root;
        try
        {
            root = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new CheckpointException($"{path}: not a PyTorch checkpoint that can be read ({e.Message})", e);
        }
        var dict = root;
        foreach (var key in ContainerKeys)
        {
            if (root[key] is Hashtable inner) { dict = inner; break; }
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dict)
        {
            if (entry.Value is not Tensor t) continue;
            var name = (string)entry.Key;
            if (name.StartsWith(DataParallelPrefix, StringComparison.Ordinal)) name = name[DataParallelPrefix.Length..];
            result[name] = t;
        }
        foreach (var t in result.Values) t.DetachFromDisposeScope();
        if (result.Count == 0)
            throw new CheckpointException($"{path}: holds no tensors at the top level nor under {string.Join(", ", ContainerKeys.Select(k => $"'{k}'"))}");
        return result;
    }

    private static int ClassCount(IReadOnlyDictionary<string, Tensor> state, SsdArchitecture architecture, string path)
    {
        string key = architecture.ClassHeadOutputBias;
        long perCell = architecture.BoxConfig.BoxesPerCell[0];
        if (!state.TryGetValue(key, out var bias))
            throw new CheckpointException($"{path}: missing key '{key}' (is --arch right for this checkpoint?)");
        long outputs = bias.shape[0];
        if (outputs % perCell != 0 || outputs / perCell < 2)
            throw new CheckpointException($"{path}: key '{key}' has {outputs} outputs, not a multiple of {perCell} boxes per cell for {architecture.Name}");
        return (int)(outputs / perCell);
    }
}
