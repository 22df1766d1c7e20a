using System.Text.Json.Nodes;
using Ssd.Model.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// Our model file: the weights together with the architecture, class names and input size, so a model
/// file is all the daemon needs. Floating-point weights may be stored as float16 to halve the file;
/// they are widened to float32 on load.
/// </summary>
public static class ModelFile
{
    public const string Format = "ssdstream-model";
    public const int Version = 1;

    /// <summary>Writes the model atomically. <paramref name="half"/> stores floating weights as float16.</summary>
    public static void Save(SsdModel model, string path, bool half = false, JsonObject? metadata = null)
    {
        var header = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["architecture"] = model.Architecture.Name,
            ["input_size"] = model.Architecture.InputSize,
            ["num_classes"] = model.NumClasses,
            ["class_names"] = new JsonArray(model.ClassNames.Select(n => (JsonNode)n).ToArray()),
            ["metadata"] = metadata ?? new JsonObject(),
        };
        using var scope = NewDisposeScope();
        var tensors = model.Network.state_dict()
            .Select(kv => (kv.Key, half && kv.Value.is_floating_point() ? kv.Value.to(ScalarType.Float16) : kv.Value))
            .ToList();
        TensorBlobFile.Write(path, header, tensors);
    }

    /// <summary>Reads a model file (or a training checkpoint's model) into a new CPU model in float32.</summary>
    public static SsdModel Load(string path)
    {
        var (header, tensors) = TensorBlobFile.Read(path);
        try
        {
            var format = HeaderFields.String(header, "format", path);
            return format switch
            {
                Format => FromHeaderAndTensors(path, header, tensors, ""),
                TrainingCheckpoint.Format => FromHeaderAndTensors(path, header, tensors, TrainingCheckpoint.ModelPrefix),
                _ => throw new CheckpointException($"{path}: not an ssdstream model file (format '{format}')"),
            };
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Builds a model from a file's header and its tensors named <paramref name="prefix"/> + state-dict key.</summary>
    internal static SsdModel FromHeaderAndTensors(string path, JsonObject header, IReadOnlyDictionary<string, Tensor> tensors, string prefix)
    {
        long version = HeaderFields.Integer(header, "version", path) ?? 0;
        if (version != Version) throw new CheckpointException($"{path}: file version {version}; this build reads version {Version}");
        var (arch, names) = Describe(header, path);
        var state = tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        var model = SsdModel.Create(arch, names);
        try
        {
            StateDictLoader.Load(model.Network, state, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>
    /// The header of a model file (architecture, classes, metadata) without loading the weights: no tensor
    /// is made. Throws <see cref="CheckpointException"/> for another format, a corrupt header, or a file
    /// whose length does not match the tensors it lists.
    /// </summary>
    public static JsonObject ReadHeader(string path) => TensorBlobFile.ReadHeader(path);

    /// <summary>
    /// The architecture and class names a model file (or checkpoint) holds, from its header alone (no tensor
    /// is made); a damaged or missing field is a <see cref="CheckpointException"/> naming the file.
    /// </summary>
    public static (SsdArchitecture Architecture, string[] ClassNames) ReadDescription(string path) => Describe(TensorBlobFile.ReadHeader(path), path);

    private static (SsdArchitecture Architecture, string[] ClassNames) Describe(JsonObject header, string path)
    {
        var archName = HeaderFields.String(header, "architecture", path) ?? throw new CheckpointException($"{path}: no architecture in the header");
        SsdArchitecture arch;
        try { arch = SsdArchitecture.Parse(archName); }
        catch (ArgumentException e) { throw new CheckpointException($"{path}: {e.Message}", e); }
        var names = HeaderFields.Strings(header, "class_names", path) ?? throw new CheckpointException($"{path}: no class_names in the header");
        return (arch, names);
    }
}
