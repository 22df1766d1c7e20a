using System.Text.Json.Nodes;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// Reads the fields of a model file's or checkpoint's JSON header. A field of the wrong kind (a number
/// where the architecture's name belongs, a name in the class list that is not a string) is damage like a
/// truncation: a <see cref="CheckpointException"/> naming the file and the field, never the JSON library's
/// own InvalidOperationException.
/// </summary>
internal static class HeaderFields
{
    public static string? String(JsonObject header, string key, string path) => Read(header, key, path, "a string", n => n.GetValue<string>());

    public static long? Integer(JsonObject header, string key, string path) => Read<long?>(header, key, path, "a whole number", n => n.GetValue<long>());

    public static double? Number(JsonObject header, string key, string path) => Read<double?>(header, key, path, "a number", n => n.GetValue<double>());

    public static JsonObject? Object(JsonObject header, string key, string path) => Read(header, key, path, "an object", n => n.AsObject());

    public static string[]? Strings(JsonObject header, string key, string path) =>
        Read(header, key, path, "a list of strings", n => n.AsArray().Select(e => e?.GetValue<string>() ?? throw new InvalidOperationException("null entry")).ToArray());

    private static T? Read<T>(JsonObject header, string key, string path, string kind, Func<JsonNode, T> read)
    {
        if (header[key] is not { } node) return default;
        try
        {
            return read(node);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw new CheckpointException($"{path}: header field '{key}' is not {kind}", e);
        }
    }
}
