using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Builds and runs the Generic Host of <c>ssdstream run</c>. A configuration that does not bind or
/// validate stops the start before any camera opens, with a message per key and exit code 78 (EX_CONFIG).
/// </summary>
public static class DaemonHost
{
    public const int ConfigurationError = 78;

    public static async Task<int> RunAsync(string? configFile, IReadOnlyList<string> overrides, CancellationToken cancellation)
    {
        var root = ContentRoot.FromEnvironment();
        IConfigurationRoot configuration;
        SsdStreamOptions options;
        try
        {
            configuration = ConfigurationLoader.Load(root, configFile, overrides, Environment.GetEnvironmentVariables());
            options = Bind(configuration);
        }
        catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or ArgumentException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"configuration error: {e.Message}");
            return ConfigurationError;
        }
        var result = new SsdStreamOptionsValidator(root).Validate(null, options);
        if (result.Failed)
        {
            foreach (var failure in result.Failures) Console.Error.WriteLine($"configuration error: {failure}");
            return ConfigurationError;
        }

        using var host = Build(configuration, root, options);
        try
        {
            await host.RunAsync(cancellation).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures) Console.Error.WriteLine($"configuration error: {failure}");
            return ConfigurationError;
        }
        return Environment.ExitCode;
    }

    /// <summary>Binds the SsdStream section; a value of the wrong type is an error naming its key.</summary>
    public static SsdStreamOptions Bind(IConfiguration configuration)
    {
        var options = new SsdStreamOptions();
        configuration.GetSection(SsdStreamOptions.Section).Bind(options, o => o.ErrorOnUnknownConfiguration = false);
        return options;
    }

    public static IHost Build(IConfigurationRoot configuration, ContentRoot root, SsdStreamOptions options)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = root.Path,
            ApplicationName = "ssdstream",
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.UseUtcTimestamp = false;
        });
        builder.Services.AddSystemd();
        // AddSystemd registers the notifier only under systemd; the watchdog asks for it everywhere (disabled outside systemd).
        builder.Services.TryAddSingleton<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier>();
        builder.Services.AddSingleton(root);
        builder.Services.AddSingleton<IValidateOptions<SsdStreamOptions>>(new SsdStreamOptionsValidator(root));
        builder.Services.AddOptions<SsdStreamOptions>().Bind(configuration.GetSection(SsdStreamOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<DaemonHealth>();
        builder.Services.AddSingleton<IPipelineExtension, RecordingExtension>();
        builder.Services.AddHostedService<DetectionService>();
        builder.Services.AddHostedService<SystemdWatchdog>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds + 5));
        return builder.Build();
    }
}
