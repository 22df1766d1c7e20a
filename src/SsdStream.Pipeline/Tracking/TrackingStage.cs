using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>A camera's tracking: the tracker's thresholds, its zones and masks.</summary>
public sealed record CameraTracking
{
    public static CameraTracking Default { get; } = new();

    public TrackerSettings Settings { get; init; } = TrackerSettings.Default;

    public IReadOnlyList<ZoneSettings> Zones { get; init; } = [];

    public IReadOnlyList<MaskSettings> Masks { get; init; } = [];
}

/// <summary>
/// The pipeline stage between inference and the subscribers (publisher, recorders): one
/// <see cref="ObjectEventTracker"/> per camera fed each frame's <see cref="FrameResult.Candidates"/>, and
/// each result passed on with its tracked objects, its events, and the detections the camera's filter
/// publishes, each with its object's id. A camera without frames for its <see cref="TrackerSettings.LostSeconds"/>
/// (disconnected, stalled) has its objects ended then, not at its next frame; when the input completes,
/// every camera's objects end. Those ends travel as closing results (<see cref="FrameTracking.Closing"/>).
/// Tracking takes well under a millisecond per frame, so it runs inline.
/// </summary>
public sealed partial class TrackingStage
{
    /// <summary>How often quiet cameras are looked for.</summary>
    private static readonly TimeSpan QuietCheck = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, CameraState> _cameras = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    private sealed class CameraState(ObjectEventTracker tracker, DetectionFilter filter, TimeSpan lost)
    {
        public ObjectEventTracker Tracker { get; } = tracker;
        public DetectionFilter Filter { get; } = filter;
        public TimeSpan Lost { get; } = lost;
        public FrameResult? Last { get; set; }
        public DateTimeOffset LastSeen { get; set; }
    }

    /// <param name="cameras">Each camera's tracking and publishing filter, by camera id.</param>
    public TrackingStage(IReadOnlyDictionary<string, (CameraTracking Tracking, DetectionFilter Filter)> cameras, ILogger logger)
    {
        foreach (var (id, (tracking, filter)) in cameras)
        {
            var tracker = new ObjectEventTracker(id, tracking.Settings, tracking.Zones, tracking.Masks);
            _cameras[id] = new CameraState(tracker, filter, TimeSpan.FromSeconds(tracking.Settings.LostSeconds));
        }
        _logger = logger;
    }

    /// <summary>Tracks every result of <paramref name="input"/> into <paramref name="output"/> until the input completes; completes the output.</summary>
    public async Task RunAsync(ChannelReader<FrameResult> input, ChannelWriter<FrameResult> output, CancellationToken cancellation)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                bool more;
                using (var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
                {
                    tick.CancelAfter(QuietCheck);
                    try
                    {
                        more = await input.WaitToReadAsync(tick.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                    {
                        more = true; // the tick: look for quiet cameras
                    }
                }
                if (!more) break;
                while (input.TryRead(out var result)) await output.WriteAsync(Track(result), cancellation).ConfigureAwait(false);
                var now = DateTimeOffset.UtcNow;
                foreach (var camera in _cameras.Values)
                {
                    if (camera.Last is { } last && camera.Tracker.Objects.Count > 0 && now - camera.LastSeen > camera.Lost)
                    {
                        LogQuiet(_logger, last.CameraId, camera.Lost.TotalSeconds);
                        await output.WriteAsync(Closing(camera), cancellation).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            // Detection has stopped: every object ends. After a normal end the subscribers still read, so
            // the ends wait for room; at a hard stop nobody may read any more, so they are offered once.
            if (error is null)
            {
                foreach (var camera in _cameras.Values)
                {
                    if (camera.Last is null || camera.Tracker.Objects.Count == 0) continue;
                    var closing = Closing(camera);
                    if (!cancellation.IsCancellationRequested) await output.WriteAsync(closing, CancellationToken.None).ConfigureAwait(false);
                    else if (!output.TryWrite(closing)) LogEndsLost(_logger, camera.Last.CameraId, closing.Tracking!.Events.Count);
                }
            }
            output.TryComplete(error);
        }
    }

    /// <summary>One frame through its camera's tracker; a camera it does not know passes untracked.</summary>
    public FrameResult Track(FrameResult result)
    {
        if (!_cameras.TryGetValue(result.CameraId, out var camera) || result.Candidates is not { } candidates) return result;
        var frame = camera.Tracker.Process(result.CaptureTime, result.Width, result.Height, candidates);
        var published = new List<PixelDetection>(result.Detections.Count);
        for (int i = 0; i < candidates.Count; i++)
        {
            if (!camera.Filter.Accepts(candidates[i])) continue;
            published.Add(frame.DetectionObjectIds[i] is { } id ? candidates[i] with { TrackId = id } : candidates[i]);
        }
        var tracked = result with { Detections = published, Candidates = null, Tracking = new FrameTracking(frame.Events, frame.Objects) };
        camera.Last = tracked;
        camera.LastSeen = DateTimeOffset.UtcNow;
        return tracked;
    }

    private static FrameResult Closing(CameraState camera)
    {
        var events = camera.Tracker.EndAll();
        return camera.Last! with
        {
            Detections = [],
            Candidates = null,
            CompletedTime = DateTimeOffset.UtcNow,
            Tracking = new FrameTracking(events, [], Closing: true),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "camera {Camera}: the ends of {Count} object(s) were lost at the hard stop (no room left)")]
    private static partial void LogEndsLost(ILogger logger, string camera, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "camera {Camera}: no frame for {Seconds:0.#} s; its tracked objects end")]
    private static partial void LogQuiet(ILogger logger, string camera, double seconds);
}
