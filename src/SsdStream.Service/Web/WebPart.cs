using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Events;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Sources;
using SsdStream.Service.Configuration;
using SsdStream.Service.Hosting;

namespace SsdStream.Service.Web;

/// <summary>
/// The web interface and HTTP API as one part of the daemon: Kestrel on <c>Http:Urls</c>, serving the page,
/// the JSON API, live frames, event media and recordings (files only from the recording folder), the
/// Prometheus metrics of the daemon's meter, and health checks. It only reads what the other parts keep;
/// viewers never slow detection (each camera's newest frame is encoded once, however many watch).
/// Started before the pipeline (its frame taps must be), so it stops after it.
/// </summary>
public sealed partial class WebPart(SsdStreamOptions options, DetectionPipeline pipeline, PipelineMetrics metrics, DaemonHealth health,
    MqttConnection mqtt, EventStoreAccess events, StopBudget budget, ILoggerFactory loggers, ILogger<WebPart> logger) : DaemonPart(budget, logger)
{
    private readonly Dictionary<string, LatestFrames> _latest = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _keepers = [];
    private WebApplication? _app;
    private PipelineSnapshot? _lastStats;

    public override string Name => "web interface";

    protected override async Task StartPartAsync(CancellationToken cancellationToken)
    {
        var http = options.Http;
        foreach (var camera in pipeline.Cameras)
        {
            var latest = new LatestFrames();
            _latest[camera.CameraId] = latest;
            var frames = pipeline.TapFrames(camera.CameraId, 1);
            var results = pipeline.SubscribeResults($"web-{camera.CameraId}", 4, camera.CameraId);
            _keepers.Add(Task.Run(() => latest.RunAsync(frames, results.Reader, _abort.Token), CancellationToken.None));
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "ssdstream" });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.UseUrls(http.Urls);
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("ssdstream")).WithMetrics(m => m.AddMeter(PipelineMetrics.MeterName).AddPrometheusExporter());
        builder.Services.AddHealthChecks()
            .AddCheck("cameras", CamerasCheck)
            .AddCheck("inference", () => health.IsMakingProgress(TimeSpan.FromSeconds(30)) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("inference has made no progress for 30 s"))
            .AddCheck("mqtt", () => mqtt.IsConnected ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the MQTT broker is not connected"));
        builder.Services.AddOpenApi();
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (!Authorised(context))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        MapApi(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealth });
        app.MapOpenApi("/openapi/{documentName}.json");
        WebPage.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        LogListening(logger, string.Join(", ", http.ParsedUrls()));
    }

    private bool Authorised(HttpContext context)
    {
        var http = options.Http;
        if (http.TokenSha256.Length == 0)
        {
            // Without a token, a page elsewhere could reach the loopback API through DNS rebinding: on
            // loopback, only requests naming a loopback host are served.
            return http.AllowAnonymous || IsLoopbackHost(context.Request.Host.Host);
        }
        if (context.Request.Path == "/healthz") return true; // probes carry no secrets and reveal none
        string? token = context.Request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? header["Bearer ".Length..]
            : context.Request.Query["token"].ToString();
        return http.Accepts(token);
    }

    private static bool IsLoopbackHost(string host) =>
        host is "localhost" || System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address);

    private HealthCheckResult CamerasCheck()
    {
        var now = DateTimeOffset.UtcNow;
        var stalls = options.Cameras.Where(c => c.Enabled).ToDictionary(c => c.Name, c => TimeSpan.FromSeconds(c.StallTimeoutSeconds), StringComparer.Ordinal);
        var down = metrics.Cameras
            .Where(c => c.AwaySince is { } since && now - since > stalls.GetValueOrDefault(c.CameraId, TimeSpan.FromSeconds(10)))
            .Select(c => $"{c.CameraId} {c.State.PublicName()} since {c.AwaySince:HH:mm:ss} ({c.LastChange?.Reason})")
            .ToList();
        return down.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("camera " + string.Join("; ", down));
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Select(e => $"{e.Key}: {e.Value.Status.ToString().ToLowerInvariant()}{(e.Value.Description is { } d ? " - " + d : "")}");
        return context.Response.WriteAsync($"{report.Status.ToString().ToLowerInvariant()}\n{string.Join("\n", lines)}\n");
    }

    private void MapApi(WebApplication app)
    {
        var recordings = new RecordingFiles(options.Recording.Directory);
        app.MapGet("/api/cameras", () => Results.Json(pipeline.Cameras.Select(c =>
        {
            var counters = metrics.Camera(c.CameraId);
            return new
            {
                name = c.CameraId,
                state = counters.State.PublicName(),
                reason = counters.LastChange?.Reason,
                since = counters.LastChange?.Time,
                frames_in = counters.FramesIn,
                processed = counters.FramesProcessed,
                dropped = counters.FramesDropped,
                reconnects = counters.Reconnects,
            };
        })));
        app.MapGet("/api/cameras/{camera}/latest.jpg", (string camera) =>
            !_latest.TryGetValue(camera, out var latest) ? Results.NotFound()
            : latest.Jpeg() is { } jpeg ? Results.File(jpeg, "image/jpeg") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/api/cameras/{camera}/mjpeg", (string camera, HttpContext context) =>
            _latest.TryGetValue(camera, out var latest) ? StreamMjpegAsync(latest, context) : Task.FromResult(Results.NotFound()));
        app.MapGet("/api/events", async (string? camera, string? label, string? zone, string? instance, string? after, string? before, int? limit, CancellationToken ct) =>
        {
            if (events.Store is not { } store) return Results.Problem("the events store is off (Events:Enabled)", statusCode: 503);
            EventQuery query;
            try
            {
                query = new EventQuery
                {
                    Camera = camera, Label = label, Zone = zone, Instance = instance, After = Time(after), Before = Time(before),
                    Limit = Math.Clamp(limit ?? EventQuery.DefaultLimit, 1, 1000),
                };
            }
            catch (FormatException e)
            {
                return Results.BadRequest(e.Message);
            }
            var found = await store.QueryAsync(query, ct).ConfigureAwait(false);
            return Results.Text("[" + string.Join(",", found.Select(e => e.ToJson())) + "]", "application/json");
        });
        app.MapGet("/api/events/{id}", async (string id, CancellationToken ct) =>
            events.Store is { } store && await store.GetAsync(id, ct).ConfigureAwait(false) is { } e ? Results.Text(e.ToJson(), "application/json") : Results.NotFound());
        app.MapGet("/api/events/{id}/snapshot.jpg", async (string id, CancellationToken ct) =>
            events.Store is { } store && await store.GetAsync(id, ct).ConfigureAwait(false) is { Media.Snapshot: { } path } && recordings.IsPlainFileInside(path)
                ? Results.File(path, "image/jpeg") : Results.NotFound());
        app.MapGet("/api/events/{id}/clip.mp4", async (string id, CancellationToken ct) =>
        {
            if (events.Store is not { } store || await store.GetAsync(id, ct).ConfigureAwait(false) is not { } e) return Results.NotFound();
            var path = e.Media.Clip ?? e.Media.Segments.FirstOrDefault()?.Path;
            return path != null && recordings.IsPlainFileInside(path) ? Results.File(path, "video/mp4", enableRangeProcessing: true) : Results.NotFound();
        });
        app.MapGet("/api/recordings", (string? camera, string? after, string? before) =>
        {
            DateTimeOffset? from, to;
            try
            {
                (from, to) = (Time(after), Time(before));
            }
            catch (FormatException e)
            {
                return Results.BadRequest(e.Message);
            }
            var list = new List<RecordingEntry>();
            foreach (var cam in pipeline.Cameras.Select(c => c.CameraId).Where(c => camera is null || c == camera))
            {
                var folder = Path.Combine(recordings.Root, cam);
                if (!Directory.Exists(folder)) continue;
                foreach (var video in Directory.EnumerateFiles(folder, "*.mp4", SearchOption.AllDirectories).Where(v => !SegmentWriter.IsPart(v) && !v.Contains("/snapshots/", StringComparison.Ordinal)))
                {
                    if (!SegmentWriter.TryStartOf(video, out var start) || start < from || start >= to) continue;
                    var rel = recordings.RelativeOf(video);
                    list.Add(new RecordingEntry(cam, start, new DateTimeOffset(File.GetLastWriteTimeUtc(video), TimeSpan.Zero), "/api/recordings/file/" + rel, rel));
                }
            }
            return Results.Json(list.OrderByDescending(r => r.Start), RecordingEntry.Json);
        });
        // Recordings and snapshots only: not the events database beside them, nor a file still being written.
        app.MapGet("/api/recordings/file/{**path}", (string path) =>
            recordings.Resolve(path) is { } file && !SegmentWriter.IsPart(file) && Path.GetExtension(file) is ".mp4" or ".jpg"
                ? Results.File(file, file.EndsWith(".mp4", StringComparison.Ordinal) ? "video/mp4" : "image/jpeg", enableRangeProcessing: true)
                : Results.NotFound());
        app.MapGet("/api/stats", () =>
        {
            // fps over the time since the previous request (of any client; concurrent ones each get their own interval).
            var now = PipelineSnapshot.Of(metrics);
            var delta = now.Since(Interlocked.Exchange(ref _lastStats, now) ?? now);
            return Results.Text(System.Text.Encoding.UTF8.GetString(MqttPayloads.Stats(delta, now.Time, options.Instance.Name, 0, 0, 0)), "application/json");
        });
    }

    /// <summary>A closed recording segment as <c>/api/recordings</c> lists it.</summary>
    private sealed record RecordingEntry(string Camera, DateTimeOffset Start, DateTimeOffset End, string Url, string Path)
    {
        public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    }

    /// <summary>ISO 8601 (UTC unless it names an offset) or Unix seconds (<see cref="EventQuery.ParseTime"/>); null for none.</summary>
    private static DateTimeOffset? Time(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : EventQuery.ParseTime(text) ?? throw new FormatException($"'{text}' is not a time (ISO 8601 or Unix seconds)");

    /// <summary>The camera's newest frame as <c>multipart/x-mixed-replace</c>, at most <c>Http:MjpegFps</c>, until the client leaves or the daemon stops.</summary>
    private async Task<IResult> StreamMjpegAsync(LatestFrames latest, HttpContext context)
    {
        const string boundary = "frame";
        context.Response.ContentType = $"multipart/x-mixed-replace; boundary={boundary}";
        context.Response.Headers.CacheControl = "no-store";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _abort.Token);
        var period = TimeSpan.FromSeconds(1 / options.Http.MjpegFps);
        long sent = -1;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (latest.Sequence != sent && latest.Jpeg() is { } jpeg)
                {
                    sent = latest.Sequence;
                    await context.Response.WriteAsync($"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n", stop.Token).ConfigureAwait(false);
                    await context.Response.Body.WriteAsync(jpeg, stop.Token).ConfigureAwait(false);
                    await context.Response.WriteAsync("\r\n", stop.Token).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
                }
                await Task.Delay(period, stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return Results.Empty;
    }

    protected override async Task StopPartAsync(CancellationToken deadline)
    {
        await _abort.CancelAsync().ConfigureAwait(false);
        if (_app != null)
        {
            await _app.StopAsync(deadline).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_keepers).ConfigureAwait(false);
        foreach (var l in _latest.Values) l.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "web interface on {Urls}")]
    private static partial void LogListening(ILogger logger, string urls);
}
