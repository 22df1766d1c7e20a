using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Events;

/// <summary>What <see cref="CameraEventMedia"/> hands on: an event with its media, ready to publish and store.</summary>
/// <param name="ClipExpected">Whether a recording covering the event is being written (Frigate's <c>has_clip</c>); its paths follow once its segments close.</param>
/// <param name="ClipCompleted">The ended event once more, now that its recording is complete: for the store, not a new message.</param>
public sealed record EventWithMedia(ObjectEvent Event, EventMedia Media, bool ClipExpected, bool ClipCompleted = false);

/// <summary>
/// A camera's event media, on its own task beside the pipeline (a subscriber: it never holds up inference):
/// pairs each tracked result with its frame, keeps each object's best snapshot (<see cref="BestSnapshotChooser"/>,
/// <see cref="SnapshotWriter"/>), hands every event on with its media (<see cref="EventWithMedia"/>), and
/// maps events to the recorded segments that cover them as the recorder closes them
/// (<see cref="OnSegment"/>), handing an ended event on once more when its clip is complete.
/// </summary>
public sealed partial class CameraEventMedia
{
    /// <summary>
    /// Most frames kept for pairing with their results. Frames older than the newest result are dropped as
    /// results come, so only those still in inference's queue and batch wait here.
    /// </summary>
    private const int FrameWindow = 24;

    private readonly string _camera;
    private readonly SnapshotSettings _snapshots;
    private readonly RecordingSettings? _recording;
    private readonly SnapshotWriter _writer;
    private readonly BestSnapshotChooser _chooser;
    private readonly Action<EventWithMedia> _onEvent;
    private readonly Action<string, byte[]> _onSnapshot;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, Frame> _frames = [];
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Label, byte[] Jpeg)> _bestJpeg = new(StringComparer.Ordinal);

    /// <summary>Set when the recorder has ended: no segment will come any more, so an ended event's clip is what it has.</summary>
    private bool _recordingEnded;

    /// <summary>An event and its media while its recording may still be written.</summary>
    private sealed class Window(ObjectEvent last)
    {
        public ObjectEvent Last { get; set; } = last;

        /// <summary>Whether <see cref="Last"/> has been handed on (its end, for an ended object): only then may the recorder's thread complete the window.</summary>
        public bool Announced { get; set; }

        /// <summary>The end of the latest segment added to <see cref="Media"/>.</summary>
        public DateTimeOffset CoveredUntil { get; set; } = DateTimeOffset.MinValue;
        public EventMedia Media { get; set; } = EventMedia.None;
        public DateTimeOffset Start => Last.After.StartTime;
        public DateTimeOffset? End => Last.After.EndTime;
    }

    /// <param name="recording">The camera's recording (null when it is not recorded: no clips).</param>
    /// <param name="onEvent">Receives every event with its media, and each ended event again once its clip is complete.</param>
    /// <param name="onSnapshot">Receives (label, annotated JPEG) when an object has a better snapshot and when it ends.</param>
    public CameraEventMedia(string camera, string snapshotFolder, SnapshotSettings snapshots, RecordingSettings? recording,
        Action<EventWithMedia> onEvent, Action<string, byte[]> onSnapshot, ILogger logger)
    {
        _camera = camera;
        _snapshots = snapshots;
        _recording = recording;
        _writer = new SnapshotWriter(snapshotFolder, snapshots);
        _chooser = new BestSnapshotChooser(snapshots);
        _onEvent = onEvent;
        _onSnapshot = onSnapshot;
        _logger = logger;
    }

    /// <summary>
    /// Reads the camera's frames and results until the results complete (the frames' reader is drained and
    /// disposed). Without snapshots, <paramref name="frames"/> is null: no frame is kept.
    /// </summary>
    public async Task RunAsync(ChannelReader<Frame>? frames, ChannelReader<FrameResult> results, CancellationToken cancellation)
    {
        // The frames stop being kept when the results end, for whatever reason (a fault included).
        using var framesDone = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var pump = frames is null ? Task.CompletedTask : Task.Run(() => KeepFramesAsync(frames, framesDone.Token), CancellationToken.None);
        try
        {
            await foreach (var result in results.ReadAllAsync(cancellation).ConfigureAwait(false)) OnResult(result);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            await framesDone.CancelAsync().ConfigureAwait(false);
            try
            {
                await pump.ConfigureAwait(false);
            }
            finally
            {
                lock (_lock)
                {
                    foreach (var f in _frames.Values) f.Dispose();
                    _frames.Clear();
                }
            }
        }
    }

    private async Task KeepFramesAsync(ChannelReader<Frame> frames, CancellationToken cancellation)
    {
        try
        {
            await foreach (var frame in frames.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                lock (_lock)
                {
                    _frames[frame.Sequence] = frame;
                    while (_frames.Count > FrameWindow)
                    {
                        var oldest = _frames.First();
                        _frames.Remove(oldest.Key);
                        oldest.Value.Dispose();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            while (frames.TryRead(out var f)) f.Dispose();
        }
        // Frames still coming after the results ended (the pipeline's taps end with the cameras) are disposed as they come.
    }

    /// <summary>One tracked result: its events' objects are noted, their detections' snapshots taken, then the events handed on.</summary>
    public void OnResult(FrameResult result)
    {
        if (result.Tracking is not { } tracking) return;
        lock (_lock)
        {
            foreach (var e in tracking.Events)
            {
                if (_windows.TryGetValue(e.After.Id, out var window)) window.Last = e;
                else
                {
                    _windows[e.After.Id] = window = new Window(e);
                    if (_recording != null) foreach (var segment in _recent) Attach(window, segment);
                }
            }
        }
        if (_snapshots.Enabled && !tracking.Closing) TakeSnapshots(result);
        if (!tracking.Closing) DropFramesBefore(result.Sequence + 1);
        foreach (var e in tracking.Events)
        {
            EventMedia media;
            bool clipExpected;
            lock (_lock)
            {
                media = _windows.TryGetValue(e.After.Id, out var window) ? window.Media : EventMedia.None;
                if (window != null) window.Announced = e.Type == ObjectEventType.End;
                clipExpected = _recording != null && !_recordingEnded;
            }
            _onEvent(new EventWithMedia(e, media, clipExpected));
            if (e.Type == ObjectEventType.End)
            {
                CompleteIfRecorded(e.After.Id);
                _chooser.Forget(e.After.Id);
                if (_bestJpeg.Remove(e.After.Id, out var best)) _onSnapshot(best.Label, best.Jpeg);
                if (_recording is null) lock (_lock) _windows.Remove(e.After.Id);
            }
        }
        if (!tracking.Closing) ForgetVanished(tracking.Objects);
        ForgetStaleWindows(result.CaptureTime);
    }

    /// <summary>
    /// Objects neither current nor ended (their end was lost: a result dropped from a full queue) are
    /// forgotten, so that nothing is kept for them for ever.
    /// </summary>
    /// <summary>An ended event whose recording the recorder closed before the end was announced is complete now.</summary>
    private void CompleteIfRecorded(string id)
    {
        if (_recording is null) return;
        EventWithMedia? complete = null;
        lock (_lock)
        {
            if (_windows.TryGetValue(id, out var w) && w.End is { } end && (_recordingEnded || w.CoveredUntil >= end + TimeSpan.FromSeconds(_recording.PostRollSeconds)))
            {
                complete = Completed(w);
                _windows.Remove(id);
            }
        }
        if (complete != null) _onEvent(complete);
    }

    private void ForgetVanished(IReadOnlyList<ObjectPresence> current)
    {
        var live = current.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var id in _windows.Where(w => w.Value.End is null && !live.Contains(w.Key)).Select(w => w.Key).ToList()) _windows.Remove(id);
        }
        foreach (var id in _bestJpeg.Keys.Where(id => !live.Contains(id)).ToList())
        {
            _bestJpeg.Remove(id);
            _chooser.Forget(id);
        }
    }

    private void DropFramesBefore(long sequence)
    {
        lock (_lock)
        {
            while (_frames.Count > 0 && _frames.First() is var (key, frame) && key < sequence)
            {
                _frames.Remove(key);
                frame.Dispose();
            }
        }
    }

    private void TakeSnapshots(FrameResult result)
    {
        Frame? frame = null;
        try
        {
            foreach (var d in result.Detections)
            {
                if (d.TrackId is not { } id || !_chooser.Offer(id, d, result.CaptureTime, result.Width, result.Height)) continue;
                if (frame is null)
                {
                    lock (_lock) frame = _frames.TryGetValue(result.Sequence, out var f) ? f.Share() : null;
                    if (frame is null)
                    {
                        _chooser.Withdraw(id); // the frame was dropped: the snapshot kept before still counts
                        continue;
                    }
                }
                try
                {
                    var (annotated, clean, jpeg) = _writer.Write(id, frame.Image, d);
                    lock (_lock)
                    {
                        if (!_windows.TryGetValue(id, out var window)) continue;
                        window.Media = window.Media with { Snapshot = annotated, CleanSnapshot = clean, SnapshotOf = (result.CaptureTime, CornerBox.PixelsOf(d)) };
                    }
                    _bestJpeg[id] = (d.Label, jpeg);
                    _onSnapshot(d.Label, jpeg);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or OpenCvSharp.OpenCVException)
                {
                    _chooser.Withdraw(id);
                    LogSnapshotFailed(_logger, _camera, id, e.Message);
                }
            }
        }
        finally
        {
            frame?.Dispose();
        }
    }

    /// <summary>
    /// A closed segment of this camera: adds it to the media of every event it covers (with the pre- and
    /// post-roll around the event), hands on each ended event whose recording it completes, and returns the
    /// ids of the events it holds (for the recordings message).
    /// </summary>
    public IReadOnlyList<string> OnSegment(RecordedSegment segment)
    {
        if (_recording is null) return [];
        var after = TimeSpan.FromSeconds(_recording.PostRollSeconds);
        var ids = new List<string>();
        var complete = new List<EventWithMedia>();
        lock (_lock)
        {
            _recent.Add(segment);
            if (_recent.Count > RecentSegments) _recent.RemoveAt(0);
            foreach (var (id, w) in _windows)
            {
                if (!Attach(w, segment)) continue;
                ids.Add(id);
                if (w.Announced && w.End is { } end && segment.End >= end + after) complete.Add(Completed(w));
            }
            foreach (var c in complete) _windows.Remove(c.Event.After.Id);
        }
        foreach (var c in complete) _onEvent(c);
        return ids;
    }

    /// <summary>The ended event of <paramref name="w"/> once more, with its recording complete: for the store.</summary>
    private static EventWithMedia Completed(Window w) => new(w.Last, w.Media, ClipExpected: true, ClipCompleted: true);

    /// <summary>
    /// The recorder has ended after closing its last segment (at the stop, the post-roll is cut short):
    /// every announced end completes now with the recording it has, so that the store says what the end
    /// message said; ends still to come complete as they are announced.
    /// </summary>
    public void OnRecordingEnded()
    {
        if (_recording is null) return;
        List<EventWithMedia> complete;
        lock (_lock)
        {
            _recordingEnded = true;
            complete = _windows.Values.Where(w => w.Announced && w.End is not null)
                .Select(w => Completed(w)).ToList();
            foreach (var c in complete) _windows.Remove(c.Event.After.Id);
        }
        foreach (var c in complete) _onEvent(c);
    }

    /// <summary>
    /// Segments closed lately, kept for events confirmed after them: an object is confirmed a few frames
    /// after it appears, and its clip starts <c>PreRollSeconds</c> before that, possibly in a segment
    /// already closed.
    /// </summary>
    private readonly List<RecordedSegment> _recent = [];

    private const int RecentSegments = 4;

    /// <summary>Adds <paramref name="segment"/> to the window's media when it covers the event (with pre- and post-roll); under the lock.</summary>
    private bool Attach(Window w, RecordedSegment segment)
    {
        var before = TimeSpan.FromSeconds(_recording!.PreRollSeconds);
        var after = TimeSpan.FromSeconds(_recording.PostRollSeconds);
        var from = w.Start - before;
        var to = (w.End ?? DateTimeOffset.MaxValue - after) + after;
        if (from > segment.End || to < segment.Start || w.Media.Segments.Any(s => s.Path == segment.VideoPath)) return false;
        double length = (segment.End - segment.Start).TotalSeconds;
        var span = new ClipSpan(segment.VideoPath,
            Math.Clamp((from - segment.Start).TotalSeconds, 0, length),
            Math.Clamp(((w.End ?? segment.End) + after - segment.Start).TotalSeconds, 0, length));
        var spans = w.Media.Segments.Append(span).ToList();
        string? clip = _recording.Mode == RecordingMode.Events && spans.Count == 1 ? segment.VideoPath : null;
        w.Media = w.Media with { Segments = spans, Clip = clip };
        if (segment.End > w.CoveredUntil) w.CoveredUntil = segment.End;
        return true;
    }

    /// <summary>Ended events whose recording never came (recording paused, or the segment outlived its wait) stop being tracked here.</summary>
    private void ForgetStaleWindows(DateTimeOffset now)
    {
        if (_recording is null) return;
        var limit = TimeSpan.FromSeconds(_recording.PostRollSeconds + 2 * _recording.SegmentSeconds + 60);
        lock (_lock)
        {
            foreach (var id in _windows.Where(w => w.Value.End is { } end && now - end > limit).Select(w => w.Key).ToList()) _windows.Remove(id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "camera {Camera}: the snapshot of {Id} could not be written: {Reason}")]
    private static partial void LogSnapshotFailed(ILogger logger, string camera, string id, string reason);
}
