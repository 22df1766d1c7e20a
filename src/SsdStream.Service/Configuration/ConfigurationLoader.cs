using System.Collections;
using Microsoft.Extensions.Configuration;

namespace SsdStream.Service.Configuration;

/// <summary>
/// Builds the configuration in order of precedence (later wins): <c>appsettings.json</c> at the content
/// root, an optional extra file (<c>--config</c>), environment variables <c>SSDSTREAM__Section__Key</c>,
/// and command-line overrides <c>--Section:Key=value</c> (keys relative to <c>SsdStream</c>; a full
/// <c>SsdStream:...</c> or <c>Logging:...</c> key works too).
/// </summary>
public static class ConfigurationLoader
{
    public const string EnvironmentPrefix = "SSDSTREAM__";

    public static IConfigurationRoot Load(ContentRoot root, string? extraFile, IReadOnlyList<string> overrides, IDictionary environment)
    {
        var builder = new ConfigurationBuilder();
        builder.AddJsonFile(Path.Combine(root.Path, "appsettings.json"), optional: true, reloadOnChange: false);
        if (extraFile != null)
        {
            var path = root.Resolve(extraFile);
            if (!File.Exists(path)) throw new FileNotFoundException($"configuration file '{path}' does not exist", path);
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        builder.AddInMemoryCollection(FromEnvironment(environment));
        builder.AddInMemoryCollection(FromArguments(overrides));
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException e) when (FindJsonError(e) is { } json)
        {
            // The provider says only "Could not parse the JSON file"; the JSON reader's own error knows where.
            var file = e.Message.Split('\'') is [_, var name, ..] ? name : "a configuration file";
            throw new InvalidDataException($"'{file}' is not valid JSON: line {json.LineNumber + 1}, position {json.BytePositionInLine + 1}: {FirstSentence(json.Message)}", e);
        }
    }

    private static System.Text.Json.JsonException? FindJsonError(Exception? e)
    {
        for (; e != null; e = e.InnerException)
        {
            if (e is System.Text.Json.JsonException json) return json;
        }
        return null;
    }

    /// <summary>The reader's message up to its own " LineNumber: ..." suffix, which the line above already says.</summary>
    private static string FirstSentence(string message)
    {
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at > 0 ? message[..at].TrimEnd('.', ' ') : message;
    }

    internal static IEnumerable<KeyValuePair<string, string?>> FromEnvironment(IDictionary environment)
    {
        foreach (DictionaryEntry e in environment)
        {
            var name = (string)e.Key;
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || name.Length == EnvironmentPrefix.Length) continue;
            yield return new(Qualify(name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)), (string?)e.Value);
        }
    }

    internal static IEnumerable<KeyValuePair<string, string?>> FromArguments(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length < 3)
                throw new ArgumentException($"unexpected argument '{a}'; overrides look like --Mqtt:Port=1884");
            var body = a[2..];
            int eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) yield return new(Qualify(body[..eq]), body[(eq + 1)..]);
            else if (i + 1 < args.Count) yield return new(Qualify(body), args[++i]);
            else throw new ArgumentException($"override '{a}' has no value");
        }
    }

    private static string Qualify(string key) =>
        key.StartsWith(SsdStreamOptions.Section + ":", StringComparison.OrdinalIgnoreCase) || key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase)
            ? key
            : $"{SsdStreamOptions.Section}:{key}";
}
