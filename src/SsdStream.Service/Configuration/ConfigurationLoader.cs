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
        return builder.Build();
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
