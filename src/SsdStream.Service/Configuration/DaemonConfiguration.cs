using System.Collections;
using Microsoft.Extensions.Configuration;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Configuration;

/// <summary>A configuration that cannot be used: each error names its key (or the file) and what is wrong.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// The daemon's configuration, loaded, bound and validated once at start: values that do not convert,
/// then the options' own checks; relative paths are resolved against the content root in between.
/// </summary>
public sealed class DaemonConfiguration
{
    private DaemonConfiguration(IConfigurationRoot configuration, SsdStreamOptions options, IReadOnlyList<string> warnings)
    {
        Configuration = configuration;
        Options = options;
        Warnings = warnings;
    }

    /// <summary>
    /// Keys that bind to nothing: misspelt ones under <c>SsdStream</c> (with the closest known key), and
    /// sections written without the <c>SsdStream</c> wrapper. The daemon starts, and says so.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Everything loaded (the <c>SsdStream</c> section and others, such as <c>Logging</c>).</summary>
    public IConfigurationRoot Configuration { get; }

    /// <summary>The bound, resolved and validated options.</summary>
    public SsdStreamOptions Options { get; }

    /// <summary>
    /// <see cref="Load"/> for a command (the daemon, <c>track</c>) from the environment's content root: each
    /// error on stderr as <c>configuration error: ...</c> and null (the command exits 78); each warning as
    /// <c>configuration warning: ...</c>.
    /// </summary>
    public static DaemonConfiguration? LoadReporting(string? extraFile, IReadOnlyList<string> overrides)
    {
        DaemonConfiguration configuration;
        try
        {
            configuration = Load(ContentRoot.FromEnvironment(), extraFile, overrides, Environment.GetEnvironmentVariables());
        }
        catch (ConfigurationException e)
        {
            Report(e.Errors, []);
            return null;
        }
        Report([], configuration.Warnings);
        return configuration;
    }

    /// <summary>
    /// Prints each error as <c>configuration error: ...</c> and each warning as <c>configuration warning: ...</c>
    /// on stderr, one line each: a control character a value brought in (a line break) is printed escaped.
    /// </summary>
    public static void Report(IEnumerable<string> errors, IEnumerable<string> warnings)
    {
        foreach (var error in errors) Console.Error.WriteLine($"configuration error: {OneLine(error)}");
        foreach (var warning in warnings) Console.Error.WriteLine($"configuration warning: {OneLine(warning)}");
    }

    /// <summary><paramref name="text"/> with its control and line-separator characters written as \n, \t or \uXXXX.</summary>
    internal static string OneLine(string text)
    {
        if (!text.Any(IsBreaking)) return text;
        var b = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            b.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when IsBreaking(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return b.ToString();

        static bool IsBreaking(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
    }

    /// <summary>Loads, binds, resolves and validates; throws <see cref="ConfigurationException"/> with every problem found.</summary>
    public static DaemonConfiguration Load(ContentRoot root, string? extraFile, IReadOnlyList<string> overrides, IDictionary environment)
    {
        IConfigurationRoot configuration;
        try
        {
            configuration = ConfigurationLoader.Load(root, extraFile, overrides, environment);
        }
        catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or ArgumentException or InvalidDataException or FormatException)
        {
            throw new ConfigurationException([e.Message]);
        }
        var logging = LogLevelErrors(configuration);
        SsdStreamOptions options;
        try
        {
            options = Bind(configuration, root);
        }
        catch (ConfigurationException e) when (logging.Count > 0)
        {
            throw new ConfigurationException([.. logging, .. e.Errors]);
        }
        if (logging.Count > 0) throw new ConfigurationException(logging);
        return new DaemonConfiguration(configuration, options, KeysThatBindToNothing(configuration));
    }

    /// <summary>
    /// Every value under a <c>LogLevel</c> section of <c>Logging</c> (<c>Logging:LogLevel:Default</c>,
    /// <c>Logging:Console:LogLevel:...</c>) that is not a log level: the logging library would stop the host's
    /// build with an exception, after the configuration had been accepted.
    /// </summary>
    internal static IReadOnlyList<string> LogLevelErrors(IConfiguration configuration)
    {
        var errors = new List<string>();
        Walk(configuration.GetSection("Logging"), underLogLevel: false);
        return errors;

        void Walk(IConfigurationSection section, bool underLogLevel)
        {
            foreach (var child in section.GetChildren())
            {
                bool levels = underLogLevel || child.Key.Equals("LogLevel", StringComparison.OrdinalIgnoreCase);
                if (levels && child.Value is { Length: > 0 } value && !Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(value, ignoreCase: true, out _))
                    errors.Add($"{child.Path}: '{value}' is not a log level; use one of {string.Join(", ", Enum.GetNames<Microsoft.Extensions.Logging.LogLevel>())}");
                Walk(child, levels);
            }
        }
    }

    /// <summary>See <see cref="Warnings"/>.</summary>
    public static IReadOnlyList<string> KeysThatBindToNothing(IConfiguration configuration)
    {
        var warnings = OptionsShape.UnknownKeys(configuration.GetSection(SsdStreamOptions.Section), typeof(SsdStreamOptions))
            .Select(k => $"{k}; it is ignored").ToList();
        foreach (var top in configuration.GetChildren())
        {
            if (OptionsShape.FindProperty(typeof(SsdStreamOptions), top.Key) is null) continue;
            warnings.Add($"'{top.Key}' is outside the {SsdStreamOptions.Section} section and is ignored; put it under \"{SsdStreamOptions.Section}\" (as {SsdStreamOptions.Section}:{top.Key})");
        }
        return warnings;
    }

    /// <summary>Binds the <c>SsdStream</c> section, resolves its paths against <paramref name="root"/> and validates it.</summary>
    public static SsdStreamOptions Bind(IConfiguration configuration, ContentRoot root)
    {
        var section = configuration.GetSection(SsdStreamOptions.Section);
        var conversion = OptionsShape.ConversionErrors(section, typeof(SsdStreamOptions));
        if (conversion.Count > 0) throw new ConfigurationException(conversion);
        var options = new SsdStreamOptions();
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException([e.Message]);
        }
        FillNulls(options);
        Resolve(options, root);
        var errors = SsdStreamOptionsValidator.Validate(options);
        if (errors.Count > 0) throw new ConfigurationException(errors);
        return options;
    }

    /// <summary>Makes every file path of the options absolute, relative ones starting at the content root.</summary>
    /// <summary>
    /// A <c>null</c> in JSON binds as null; sections and lists that are null become their defaults, so that
    /// the validator and the parts see a whole configuration (a null list entry stays, and is reported).
    /// </summary>
    private static void FillNulls(SsdStreamOptions o)
    {
        o.Instance ??= new();
        o.Instance.Name ??= new InstanceOptions().Name;
        o.Model ??= new();
        o.Inference ??= new();
        o.Cameras ??= [];
        o.Mqtt ??= new();
        o.Recording ??= new();
        o.Snapshots ??= new();
        o.Events ??= new();
        o.Http ??= new();
        o.Events.Database ??= "";
        o.Events.ConnectionString ??= "";
        o.Http.Urls ??= "";
        o.Http.TokenSha256 ??= "";
        foreach (var c in o.Cameras)
        {
            if (c is null) continue;
            c.Filter ??= new();
            c.Tracker ??= new();
            c.Zones ??= [];
            c.Masks ??= [];
            c.Synthetic ??= new();
            c.InputArguments ??= [];
            for (int i = 0; i < c.Zones.Count; i++)
            {
                if (c.Zones[i] is { } z) c.Zones[i] = z with { Name = z.Name ?? "", Points = z.Points ?? [], Labels = z.Labels ?? [] };
            }
            for (int i = 0; i < c.Masks.Count; i++)
            {
                if (c.Masks[i] is { } m) c.Masks[i] = m with { Points = m.Points ?? [], Labels = m.Labels ?? [] };
            }
        }
    }

    private static void Resolve(SsdStreamOptions o, ContentRoot root)
    {
        o.Model.Path = root.Resolve(o.Model.Path ?? "");
        foreach (var camera in o.Cameras)
        {
            if (camera?.Type == CameraType.File) camera.Source = root.Resolve(camera.Source ?? "");
        }
        o.Recording = o.Recording with { Directory = root.Resolve(o.Recording.Directory ?? "") };
        o.Events.Database = string.IsNullOrEmpty(o.Events.Database)
            ? SsdStream.Pipeline.Events.SqliteEventStore.DefaultPath(o.Recording.Directory)
            : root.Resolve(o.Events.Database);
        var tls = o.Mqtt.Tls;
        o.Mqtt = o.Mqtt with
        {
            Tls = tls with { CaFile = root.Resolve(tls.CaFile ?? ""), ClientCertificate = root.Resolve(tls.ClientCertificate ?? ""), ClientKey = root.Resolve(tls.ClientKey ?? "") },
        };
    }
}
