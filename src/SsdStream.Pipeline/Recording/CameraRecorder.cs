using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Recording;

/// <summary>
/// Records one camera: pairs each frame with the newest result at or before it, draws it, and writes it
/// into segments (continuously, or around detections with pre- and post-roll). Lengths count frames at
/// the source's frame rate, so a segment of N seconds plays for N seconds whatever the capture jitter
/// (a stalled source still closes a segment after twice its length in wall time). It runs on its own
/// queue, so a slow disk drops recording frames (counted) and never holds detection up. A disk that
/// fails is logged once per episode; recording resumes by itself when writing works again.
/// </summary>
public sealed partial class CameraRecorder
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    private readonly string _camera;
    private readonly RecordingSettings _settings;
    private readonly ISegmentEncoderFactory _encoders;
    private readonly Func<double?> _sourceFps;
    private readonly ILogger _logger;
    private readonly Action<RecordedSegment> _onSegment;
    private readonly ResultTimeline _timeline = new();
    private readonly Queue<Frame> _pending = new();
    private readonly LinkedList<(Frame Frame, IReadOnlyList<PixelDetection> Detections, long? ResultSequence)> _preRoll = new();
    private SegmentWriter? _segment;
    private int _framesSinceMatch;
    private readonly CameraCounters? _counters;
    private DateTimeOffset? _failedAt;
    private long _dropped;

    /// <param name="counters">The camera's counters, where dropped recording frames are counted too (null: only <see cref="FramesDropped"/>).</param>
    public CameraRecorder(string camera, RecordingSettings settings, ISegmentEncoderFactory encoders, Func<double?> sourceFps, ILogger logger,
        Action<RecordedSegment> onSegment, CameraCounters? counters = null)
    {
        _camera = camera;
        _counters = counters;
        _settings = settings;
        _encoders = encoders;
        _sourceFps = sourceFps;
        _logger = logger;
        _onSegment = onSegment;
    }

    /// <summary>Frames not recorded: dropped by the queue when the recorder fell behind, or while the disk failed.</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Counts a frame the recording queue dropped.</summary>
    public void CountQueueDrop() => CountDrop();

    private void CountDrop()
    {
        Interlocked.Increment(ref _dropped);
        _counters?.AddRecordingDropped();
    }

    /// <summary>Records until both streams end; closes the open segment cleanly.</summary>
    public async Task RunAsync(ChannelReader<Frame> frames, ChannelReader<FrameResult> results, CancellationToken cancellation)
    {
        bool framesDone = false, resultsDone = false;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                while (results.TryRead(out var r))
                {
                    if (r.CameraId == _camera) _timeline.Add(r);
                }
                while (frames.TryRead(out var f)) _pending.Enqueue(f);
                framesDone |= frames.Completion.IsCompleted;
                resultsDone |= results.Completion.IsCompleted;
                var now = DateTimeOffset.UtcNow;
                while (_pending.Count > 0)
                {
                    var head = _pending.Peek();
                    if (!_timeline.IsSettled(head.Sequence) && !resultsDone && now - head.CaptureTime < RecordingSettings.ResultWait) break;
                    _pending.Dequeue();
                    using (head) Handle(head);
                }
                if (_pending.Count > 0) _timeline.Prune(_pending.Peek().Sequence);
                if (framesDone && _pending.Count == 0) break;
                var waits = new List<Func<CancellationToken, Task>> { token => Task.Delay(100, token) };
                if (!framesDone) waits.Add(token => frames.WaitToReadAsync(token).AsTask());
                if (!resultsDone) waits.Add(token => results.WaitToReadAsync(token).AsTask());
                await FirstWait.WhenAnyAsync(waits, cancellation).ConfigureAwait(false);
                cancellation.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            while (_pending.TryDequeue(out var f)) f.Dispose();
            CloseSegment();
            foreach (var p in _preRoll) p.Frame.Dispose();
            _preRoll.Clear();
        }
    }

    private void Handle(Frame frame)
    {
        var result = _timeline.At(frame.Sequence);
        var detections = result?.Detections ?? (IReadOnlyList<PixelDetection>)[];
        if (!_settings.EventsOnly)
        {
            Write(frame, detections, result?.Sequence);
            return;
        }
        // Only a fresh result of this very frame starts or prolongs an event; a frame inference skipped
        // is drawn with the previous result but proves nothing new.
        bool match = result?.Sequence == frame.Sequence && detections.Any(d => d.Score >= _settings.EventMinScore && (_settings.EventLabels.Count == 0 || _settings.EventLabels.Contains(d.Label)));
        _framesSinceMatch = match ? 0 : _framesSinceMatch + 1;
        if (_segment is null && match)
        {
            // The event starts: write the pre-roll, then this frame.
            foreach (var (f, d, s) in _preRoll)
            {
                Write(f, d, s);
                f.Dispose();
            }
            _preRoll.Clear();
            Write(frame, detections, result?.Sequence);
            return;
        }
        if (_segment != null)
        {
            Write(frame, detections, result?.Sequence);
            if (_framesSinceMatch >= Frames(_settings.PostRoll)) CloseSegment();
            return;
        }
        _preRoll.AddLast((frame.Share(), detections, result?.Sequence));
        while (_preRoll.First is { } first && _preRoll.Count > Frames(_settings.PreRoll))
        {
            first.Value.Frame.Dispose();
            _preRoll.RemoveFirst();
        }
    }

    private void Write(Frame frame, IReadOnlyList<PixelDetection> detections, long? resultSequence)
    {
        if (_failedAt is { } failed && frame.CaptureTime - failed < RetryAfterFailure)
        {
            CountDrop();
            return;
        }
        try
        {
            // A new segment when this one is long enough, and when the camera came back at another frame
            // size (raw frames of another size would garble the video).
            if (_segment != null && (_segment.Frames >= Frames(_settings.SegmentLength) || frame.CaptureTime - _segment.Start >= 2 * _settings.SegmentLength
                || _segment.Size != new Size(frame.Width, frame.Height))) CloseSegment();
            _segment ??= SegmentWriter.Open(_encoders, _settings.Directory, _camera, frame.CaptureTime, frame.Width, frame.Height, Fps);
            using Mat annotated = FrameAnnotator.Draw(frame.Image, _camera, frame.CaptureTime, detections);
            _segment.Write(annotated, frame.Sequence, frame.CaptureTime, resultSequence, detections);
            if (_failedAt != null)
            {
                _failedAt = null;
                LogResumed(_logger, _camera);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _segment?.Dispose();
            _segment = null;
            CountDrop();
            if (_failedAt is null) LogFailed(_logger, _camera, e.Message);
            _failedAt = frame.CaptureTime;
        }
    }

    private double Fps => _sourceFps() is { } fps and > 0 ? fps : RecordingSettings.DefaultFps;

    /// <summary>A duration as a number of frames at the source's rate.</summary>
    private int Frames(TimeSpan duration) => Math.Max(1, (int)Math.Round(duration.TotalSeconds * Fps));

    private void CloseSegment()
    {
        if (_segment is null) return;
        var segment = _segment;
        _segment = null;
        try
        {
            var closed = segment.Close();
            LogClosed(_logger, _camera, closed.VideoPath, closed.Frames);
            _onSegment(closed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            segment.Dispose();
            if (_failedAt is null) LogFailed(_logger, _camera, e.Message);
            _failedAt = DateTimeOffset.UtcNow;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "recording {Camera}: closed {Path} ({Frames} frames)")]
    private static partial void LogClosed(ILogger logger, string camera, string path, int frames);

    [LoggerMessage(Level = LogLevel.Error, Message = "recording {Camera} paused: {Reason}; detection goes on, recording retries every few seconds")]
    private static partial void LogFailed(ILogger logger, string camera, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "recording {Camera} resumed")]
    private static partial void LogResumed(ILogger logger, string camera);
}
