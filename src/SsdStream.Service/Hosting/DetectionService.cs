using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Sources;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// The daemon: starts the embedded broker when no broker is configured, the MQTT connection, the
/// pipeline for every configured camera, the publisher and the live status line; on stop it closes the
/// cameras, publishes the last results and <c>stopped</c>, and disconnects. A failure that stops
/// detection (a model that does not load, a dead inference thread) stops the process with exit code 1,
/// so systemd restarts it: the daemon never stops silently.
/// </summary>
public sealed partial class DetectionService(
    IOptions<SsdStreamOptions> options,
    ContentRoot root,
    DaemonHealth health,
    IEnumerable<IPipelineExtension> extensions,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<DetectionService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogFatal(_logger, e);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var factory = new PipelineFactory(o, root, loggers);
        EmbeddedMqttBroker? broker = null;
        string host = o.Mqtt.Host;
        int port = o.Mqtt.Port;
        if (string.IsNullOrWhiteSpace(host))
        {
            broker = await EmbeddedMqttBroker.StartAsync(o.Mqtt.EmbeddedPort).ConfigureAwait(false);
            host = "127.0.0.1";
            port = broker.Port;
            LogEmbeddedBroker(_logger, port, o.Mqtt.TopicPrefix);
        }
        try
        {
            var settings = factory.Mqtt(host, port);
            var outbox = new MqttOutbox(settings.OutboxSize);
            await using var connection = new MqttConnection(settings, outbox, loggers.CreateLogger<MqttConnection>());
            var publisher = new MqttDetectionPublisher(settings, outbox, connection, factory.Labels());
            using var metrics = new PipelineMetrics();
            await using var pipeline = factory.CreatePipeline(metrics);
            var mqttResults = pipeline.SubscribeResults("mqtt", capacity: 4096);
            var live = new LiveStatus(pipeline.SubscribeResults("status", capacity: 64));
            foreach (var camera in pipeline.Cameras) camera.StateChanged += publisher.OnCameraState;
            using var abort = new CancellationTokenSource();
            var context = new PipelineContext(pipeline, publisher, o, root, abort.Token);
            var extensionTasks = extensions.Select(e => e.Attach(context)).ToList();

            using var mqttStop = new CancellationTokenSource();
            var mqttTask = Task.Run(() => connection.RunAsync(mqttStop.Token), CancellationToken.None);
            publisher.Announce(pipeline.Cameras.Select(c => c.CameraId), "SsdStream");
            await pipeline.StartAsync(stoppingToken).ConfigureAwait(false);
            health.Attach(pipeline);
            LogStarted(_logger, pipeline.Cameras.Count, factory.ModelName, settings.ToString());
            var publishTask = Task.Run(() => publisher.RunAsync(mqttResults, CancellationToken.None), CancellationToken.None);
            var liveTask = Task.Run(() => live.RunAsync(CancellationToken.None), CancellationToken.None);

            // Every part runs until the stop; one that ends before it (failed or not) is a failure of the daemon.
            (string Part, Task Task)[] parts =
            [
                ("MQTT connection", mqttTask), ("MQTT publishing", publishTask), ("live status", liveTask),
                .. extensionTasks.Where(t => !t.IsCompletedSuccessfully).Select(t => ("recording", t)), // done at once: switched off
            ];
            try
            {
                await Monitor(o, pipeline, metrics, publisher, live, connection, parts, stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                // Each step is bounded and its failure logged, so that a failed part never keeps the others
                // from closing (segments finalised, last results and "stopped" published).
                var timeout = TimeSpan.FromSeconds(o.ShutdownTimeoutSeconds);
                var clock = Stopwatch.StartNew();
                LogStopping(_logger);
                health.Detach();
                await Bounded(pipeline.StopAsync(timeout), timeout + TimeSpan.FromSeconds(15), "cameras and inference").ConfigureAwait(false);
                // Recorders finish what they have queued; at the deadline they close their segments with what they wrote.
                abort.CancelAfter(Remaining(timeout, clock));
                await Bounded(Task.WhenAll(extensionTasks), TimeSpan.FromSeconds(10), "recording").ConfigureAwait(false);
                await Bounded(publishTask, Remaining(timeout, clock), "MQTT publishing").ConfigureAwait(false);
                await Bounded(liveTask, TimeSpan.FromSeconds(1), "live status").ConfigureAwait(false);
                await mqttStop.CancelAsync().ConfigureAwait(false);
                await Bounded(mqttTask, TimeSpan.FromSeconds(5), "MQTT connection").ConfigureAwait(false);
                await connection.StopAsync(Remaining(timeout, clock)).ConfigureAwait(false);
                LogStopped(_logger, clock.Elapsed.TotalSeconds);
            }
        }
        finally
        {
            if (broker != null) await broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for a part to finish; past the limit the stop goes on without it, and a part that failed is
    /// logged (its failure was reported already if it ended the daemon); neither stops the rest of the stop.
    /// </summary>
    private async Task Bounded(Task task, TimeSpan limit, string part)
    {
        try
        {
            await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogSlowStop(_logger, part, limit.TotalSeconds);
        }
        catch (OperationCanceledException)
        {
            // Cancelled by the stop itself.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPartFailedAtStop(_logger, part, e.Message);
        }
    }

    private static TimeSpan Remaining(TimeSpan timeout, Stopwatch clock) =>
        timeout - clock.Elapsed > TimeSpan.FromSeconds(1) ? timeout - clock.Elapsed : TimeSpan.FromSeconds(1);

    /// <summary>
    /// Prints the live line and queues stats until stopped. Throws if inference died or any of
    /// <paramref name="parts"/> ended; returns early (and stops the application) when every camera has
    /// ended for good (files that do not loop) and inference has finished their frames.
    /// </summary>
    private async Task Monitor(SsdStreamOptions o, DetectionPipeline pipeline, PipelineMetrics metrics, MqttDetectionPublisher publisher,
        LiveStatus live, MqttConnection connection, IReadOnlyList<(string Part, Task Task)> parts, CancellationToken stoppingToken)
    {
        var statusEvery = o.StatusIntervalSeconds > 0 ? TimeSpan.FromSeconds(o.StatusIntervalSeconds) : Timeout.InfiniteTimeSpan;
        var statsEvery = o.Mqtt.StatsIntervalSeconds > 0 ? TimeSpan.FromSeconds(o.Mqtt.StatsIntervalSeconds) : Timeout.InfiniteTimeSpan;
        var statusClock = Stopwatch.StartNew();
        var statsClock = Stopwatch.StartNew();
        var processedAtStatus = metrics.Cameras.ToDictionary(c => c.CameraId, c => c.FramesProcessed);
        var processedAtStats = new Dictionary<string, long>(processedAtStatus);
        var droppedAtStatus = metrics.Cameras.ToDictionary(c => c.CameraId, c => c.FramesDropped);
        while (!stoppingToken.IsCancellationRequested)
        {
            var tick = Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken);
            await Task.WhenAny([tick, pipeline.Worker.Completion, .. parts.Select(p => p.Task)]).ConfigureAwait(false);
            // Inference first: when it ends, the results end, and so do the parts that read them.
            if (pipeline.Worker.Completion.IsCompleted)
            {
                await pipeline.Worker.Completion.ConfigureAwait(false); // rethrows the inference failure
                if (pipeline.Cameras.All(c => c.State == CameraState.Stopped))
                {
                    LogAllCamerasEnded(_logger);
                    lifetime.StopApplication();
                    return;
                }
                throw new InvalidOperationException("the inference worker stopped");
            }
            if (parts.FirstOrDefault(p => p.Task.IsCompleted) is { Task: not null } ended && !stoppingToken.IsCancellationRequested)
            {
                var (part, task) = ended;
                throw new InvalidOperationException(task.IsFaulted ? $"{part} failed" : $"{part} ended before the stop", task.Exception?.GetBaseException());
            }
            await tick.ConfigureAwait(false);
            if (statusEvery != Timeout.InfiniteTimeSpan && statusClock.Elapsed >= statusEvery)
            {
                foreach (var c in metrics.Cameras)
                {
                    double fps = (c.FramesProcessed - processedAtStatus.GetValueOrDefault(c.CameraId)) / statusClock.Elapsed.TotalSeconds;
                    long dropped = c.FramesDropped - droppedAtStatus.GetValueOrDefault(c.CameraId);
                    LogLive(_logger, c.CameraId, MqttPayloads.StateName(c.State), fps, dropped, live.Objects(c.CameraId), connection.IsConnected ? "connected" : "away");
                    processedAtStatus[c.CameraId] = c.FramesProcessed;
                    droppedAtStatus[c.CameraId] = c.FramesDropped;
                }
                LogMemory(_logger, Environment.WorkingSet / (1024.0 * 1024.0), TorchSharp.torch.Tensor.TotalCount);
                statusClock.Restart();
            }
            if (statsEvery != Timeout.InfiniteTimeSpan && statsClock.Elapsed >= statsEvery)
            {
                publisher.PublishStats(metrics.Cameras, processedAtStats, statsClock.Elapsed);
                foreach (var c in metrics.Cameras) processedAtStats[c.CameraId] = c.FramesProcessed;
                statsClock.Restart();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT: no broker configured, embedded broker on 127.0.0.1:{Port}; watch it with: mosquitto_sub -h 127.0.0.1 -p {Port} -i watcher -t '{Prefix}/#' -v")]
    private static partial void LogEmbeddedBroker(ILogger logger, int port, string prefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "detecting on {Cameras} camera(s) with {Model}, publishing to {Broker}")]
    private static partial void LogStarted(ILogger logger, int cameras, string model, string broker);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Camera}: {State}, {Fps:0.0} fps, {Dropped} dropped, objects: {Objects}; mqtt {Mqtt}")]
    private static partial void LogLive(ILogger logger, string camera, string state, double fps, long dropped, string objects, string mqtt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "memory: RSS {RssMb:0} MiB, live tensors {Tensors}")]
    private static partial void LogMemory(ILogger logger, double rssMb, long tensors);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: closing cameras, publishing the last results")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stop: {Part} did not finish within {Seconds:0.0} s more; going on without it")]
    private static partial void LogSlowStop(ILogger logger, string part, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "stop: {Part} had failed: {Reason}")]
    private static partial void LogPartFailedAtStop(ILogger logger, string part, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "every camera has ended (files that do not loop) and their frames are processed; stopping")]
    private static partial void LogAllCamerasEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped cleanly in {Seconds:0.0} s")]
    private static partial void LogStopped(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "detection stopped; exiting so that the service manager restarts it")]
    private static partial void LogFatal(ILogger logger, Exception exception);
}

/// <summary>What a pipeline extension (the recorder) gets to attach to.</summary>
/// <param name="Abort">Cancelled when the stop's time is up: finish at once with what is done.</param>
public sealed record PipelineContext(DetectionPipeline Pipeline, MqttDetectionPublisher Publisher, SsdStreamOptions Options, ContentRoot Root, CancellationToken Abort);

/// <summary>
/// A part of the daemon that hangs off the pipeline (recording): attached before the pipeline starts;
/// the returned task completes once the pipeline's streams have ended and the part has finished.
/// </summary>
public interface IPipelineExtension
{
    Task Attach(PipelineContext context);
}

/// <summary>The newest objects per camera, for the live status line.</summary>
internal sealed class LiveStatus(ResultBroadcaster.Subscription results)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _objects = new();

    public string Objects(string camera) => _objects.GetValueOrDefault(camera, "none yet");

    public async Task RunAsync(CancellationToken cancellation)
    {
        await foreach (var r in results.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            _objects[r.CameraId] = r.Detections.Count == 0
                ? "none"
                : string.Join(", ", r.Detections.GroupBy(d => d.Label).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        }
    }
}
