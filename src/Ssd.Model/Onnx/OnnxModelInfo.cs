using System.Globalization;
using System.Text.Json.Nodes;
using Onnx;
using Ssd.Model.Checkpoints;
using Ssd.Model.Networks;

namespace Ssd.Model.Onnx;

/// <summary>
/// What an exported ONNX file says about itself in its metadata properties: the same facts as a model
/// file's header (format, architecture, input size, classes), plus the precision inside the graph.
/// </summary>
public static class OnnxModelInfo
{
    public const string Extension = ".onnx";

    /// <summary>Whether <paramref name="path"/> names an ONNX file (by its extension).</summary>
    public static bool IsOnnx(string path) => string.Equals(Path.GetExtension(path), Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>The metadata properties an export writes.</summary>
    internal static IEnumerable<(string Key, string Value)> Metadata(SsdModel model, bool half)
    {
        yield return ("format", ModelFile.Format);
        yield return ("architecture", model.Architecture.Name);
        yield return ("input_size", model.Architecture.InputSize.ToString(CultureInfo.InvariantCulture));
        yield return ("num_classes", model.NumClasses.ToString(CultureInfo.InvariantCulture));
        yield return ("class_names", new JsonArray(model.ClassNames.Select(n => (JsonNode)n).ToArray()).ToJsonString());
        yield return ("box_count", model.DefaultBoxes.Count.ToString(CultureInfo.InvariantCulture));
        yield return ("precision", half ? "float16" : "float32");
    }

    /// <summary>Whether an exported ONNX file computes in float16 inside (its <c>precision</c> metadata).</summary>
    public static bool IsHalf(string path) => Properties(path).GetValueOrDefault("precision") == "float16";

    /// <summary>
    /// The architecture and class names from an ONNX file's metadata. Throws <see cref="CheckpointException"/>
    /// naming the file when it is not an ONNX file this program exported.
    /// </summary>
    public static ModelDescription Read(string path) => FromProperties(path, Properties(path));

    private static Dictionary<string, string> Properties(string path)
    {
        ModelProto proto;
        try
        {
            using var stream = File.OpenRead(path);
            proto = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new CheckpointException($"{path}: not an ONNX file ({e.Message})", e);
        }
        return proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>The description from metadata properties (as ONNX Runtime's session also reports them).</summary>
    public static ModelDescription FromProperties(string path, IReadOnlyDictionary<string, string> properties)
    {
        if (properties.GetValueOrDefault("format") != ModelFile.Format)
            throw new CheckpointException($"{path}: an ONNX file without ssdstream's metadata (export it with `ssdstream model export-onnx`)");
        SsdArchitecture architecture;
        try { architecture = SsdArchitecture.Parse(properties.GetValueOrDefault("architecture") ?? ""); }
        catch (ArgumentException e) { throw new CheckpointException($"{path}: {e.Message}", e); }
        string[] names;
        try { names = JsonNode.Parse(properties.GetValueOrDefault("class_names") ?? "")?.AsArray().Select(n => (string)n!).ToArray() ?? []; }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException) { throw new CheckpointException($"{path}: bad class_names metadata ({e.Message})", e); }
        if (names.Length == 0) throw new CheckpointException($"{path}: no class_names in the metadata");
        return new ModelDescription(architecture, names);
    }
}
