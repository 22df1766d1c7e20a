using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Publishing;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Builds and runs the Generic Host of <c>ssdstream run</c>: one hosted part per job, started in the order
/// registered here and stopped in reverse under one budget (<see cref="StopBudget"/>). A configuration
/// that does not bind or validate stops the start before any part starts, with a message per key and
/// exit code 78 (EX_CONFIG).
/// </summary>
public static partial class DaemonHost
{
    public const int ConfigurationError = ExitCodes.Configuration;

    /// <summary>
    /// The daemon from its configuration. With <paramref name="checkOnly"/> it stops after the checks, as
    /// <c>nginx -t</c> does: one line saying what would run, and 0 (or 78, as a start would).
    /// </summary>
    public static async Task<int> RunAsync(string? configFile, IReadOnlyList<string> overrides, bool checkOnly, CancellationToken cancellation)
    {
        if (DaemonConfiguration.LoadReporting(configFile, overrides) is not { } configuration) return ConfigurationError;
        var (errors, warnings) = StartupChecks.Run(configuration.Options);
        DaemonConfiguration.Report(errors, warnings);
        if (errors.Count > 0) return ConfigurationError;
        if (checkOnly)
        {
            Console.WriteLine(CheckedSummary(configuration.Options));
            return ExitCodes.Success;
        }
        using var host = Build(configuration.Configuration, configuration.Options);
        return await RunAsync(host, cancellation).ConfigureAwait(false);
    }

    /// <summary>What <c>run --check</c> prints for a configuration that would start.</summary>
    internal static string CheckedSummary(SsdStreamOptions o)
    {
        var cameras = o.Cameras.Where(c => c is { Enabled: true }).Select(c => c.Name).ToList();
        var broker = o.Mqtt.UsesEmbeddedBroker ? $"embedded broker on 127.0.0.1:{o.Mqtt.EmbeddedPort}" : $"broker {o.Mqtt.Host}:{o.Mqtt.Port}";
        return $"configuration ok: {cameras.Count} camera{(cameras.Count == 1 ? "" : "s")} ({string.Join(", ", cameras)}), model {o.Model.Path}, {broker}"
            + (o.Recording.Enabled ? $", recording to {o.Recording.Directory}" : ", no recording")
            + (o.Http.Enabled ? $", web {o.Http.Urls}" : "");
    }

    /// <summary>
    /// Runs a built host to its end; returns the exit code. A part that fails to start stops the parts
    /// already started (in reverse, under the budget: "stopped" is still published) and exits 1; a stop
    /// asked for during the start (Ctrl+C, SIGTERM) is a clean stop.
    /// </summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellation)
    {
        var exit = host.Services.GetRequiredService<DaemonExit>();
        var budget = host.Services.GetRequiredService<StopBudget>();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SsdStream.Service.Daemon");
        bool startFailed = false;
        try
        {
            // Before any part starts (and before the pipeline is made): the cameras another instance holds are refused.
            if (!await host.Services.GetRequiredService<CameraClaims>().CheckAsync(cancellation).ConfigureAwait(false)) return ConfigurationError;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return DaemonExit.Success;
        }
        try
        {
            await host.StartAsync(cancellation).ConfigureAwait(false);
            await host.WaitForShutdownAsync(cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            bool stopAsked = lifetime.ApplicationStopping.IsCancellationRequested || cancellation.IsCancellationRequested;
            if (!(stopAsked && e is OperationCanceledException))
            {
                // A part could not start: a run-time fault, restarted by the service manager.
                LogStartFailed(logger, e.GetBaseException().Message, e);
                startFailed = true;
            }
            budget.Begin();
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        var took = budget.Began is { } began ? (DateTimeOffset.UtcNow - began).TotalSeconds : 0;
        if (startFailed) return DaemonExit.Fault;
        if (exit.Code == DaemonExit.Success) LogStopped(logger, took);
        else LogStoppedAfterFault(logger, took);
        return exit.Code;
    }

    /// <summary>
    /// The daemon's host. <paramref name="addParts"/> adds more parts after the standard ones (they start
    /// last and stop first).
    /// </summary>
    public static IHost Build(IConfiguration configuration, SsdStreamOptions options, Action<IServiceCollection>? addParts = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "ssdstream",
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        // The host logs a failed start with its trace as "Hosting failed to start", also when the start was
        // only cut short by Ctrl+C; RunAsync reports real start failures itself.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.UseUtcTimestamp = false;
        });
        var services = builder.Services;
        services.AddSystemd();
        // AddSystemd registers the notifier only under systemd; the watchdog asks for it everywhere (disabled outside systemd).
        services.TryAddSingleton<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier>();
        // Counted when the options are first read, once every part is registered.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = StopBudget.HostLimit(options.ShutdownTimeoutSeconds, services.Count(d => d.ServiceType == typeof(IHostedService))));

        services.AddSingleton(options);
        services.AddSingleton<StopBudget>();
        services.AddSingleton<DaemonExit>();
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<PipelineFactory>();
        services.AddSingleton(sp => sp.GetRequiredService<PipelineFactory>().CreatePipeline(sp.GetRequiredService<PipelineMetrics>()));
        services.AddSingleton<DaemonHealth>();
        services.AddSingleton<BrokerEndpoint>();
        services.AddSingleton<SsdStream.Pipeline.Events.EventMediaHub>();
        services.AddSingleton<EventStoreAccess>();
        var topics = new MqttTopics(options.Mqtt.TopicPrefix, options.Instance.Name);
        services.AddSingleton(topics);
        services.AddSingleton<CameraClaims>();
        services.AddSingleton<CameraConnections>();
        services.AddSingleton(sp =>
        {
            var outbox = new MqttOutbox(options.Mqtt.OutboxSize);
            sp.GetRequiredService<PipelineMetrics>().ObserveOutbox(outbox);
            return outbox;
        });
        services.AddSingleton(sp => new MqttConnection(options.Mqtt, MqttPresence.ForInstance(options.Mqtt.ClientIdOf(topics.Instance), topics),
            sp.GetRequiredService<MqttOutbox>(), sp.GetRequiredService<ILogger<MqttConnection>>()));
        services.AddSingleton(sp => new MqttDetectionPublisher(options.Mqtt, topics, sp.GetRequiredService<MqttOutbox>(),
            sp.GetRequiredService<PipelineFactory>().Labels(), sp.GetRequiredService<CameraConnections>().OutboxOf));

        // The parts, in start order; they stop in reverse: status, cameras and inference (the last results
        // out, every object ended), recordings finalised, events with their media, results published,
        // "stopped" sent and disconnected, broker closed.
        if (options.Mqtt.UsesEmbeddedBroker) services.AddHostedService<EmbeddedBrokerPart>();
        services.AddHostedService<MqttConnectionPart>();
        services.AddHostedService<MqttPublisherPart>();
        if (options.Events.Enabled) services.AddHostedService<EventStorePart>();
        services.AddHostedService<EventMediaPart>();
        if (options.Recording.Enabled) services.AddHostedService<RecordingPart>();
        if (options.Http.Enabled) services.AddHostedService<SsdStream.Service.Web.WebPart>();
        services.AddHostedService<PipelinePart>();
        services.AddHostedService<StatusReporterPart>();
        services.AddHostedService<SystemdWatchdog>();
        addParts?.Invoke(services);
        BoundEveryStop(services);
        return builder.Build();
    }

    /// <summary>
    /// Replaces each hosted service that is not a <see cref="DaemonPart"/> with a <see cref="BoundedHostedService"/>
    /// around it, in its place (the start order stays), so that no part can hold the stop past its budget.
    /// </summary>
    private static void BoundEveryStop(IServiceCollection services)
    {
        for (int i = 0; i < services.Count; i++)
        {
            var d = services[i];
            if (d.ServiceType != typeof(IHostedService) || d.IsKeyedService) continue;
            if (d.ImplementationType is { } type && typeof(DaemonPart).IsAssignableFrom(type)) continue;
            Func<IServiceProvider, IHostedService> create = d switch
            {
                { ImplementationInstance: IHostedService instance } => _ => instance,
                { ImplementationFactory: { } factory } => sp => (IHostedService)factory(sp),
                { ImplementationType: { } implementation } => sp => (IHostedService)ActivatorUtilities.CreateInstance(sp, implementation),
                _ => throw new InvalidOperationException($"hosted service registration {d} cannot be wrapped"),
            };
            services[i] = ServiceDescriptor.Singleton<IHostedService>(sp =>
            {
                var inner = create(sp);
                return inner is DaemonPart ? inner : new BoundedHostedService(inner, sp.GetRequiredService<StopBudget>(),
                    sp.GetRequiredService<DaemonExit>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("SsdStream.Service.Daemon"));
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "the daemon could not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped cleanly in {Seconds:0.0} s")]
    private static partial void LogStopped(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped in {Seconds:0.0} s after a fault")]
    private static partial void LogStoppedAfterFault(ILogger logger, double seconds);
}
