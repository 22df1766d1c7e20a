using System.Diagnostics;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Metrics;

/// <summary>One camera's running totals at one moment.</summary>
public sealed record CameraSnapshot(
    string CameraId,
    CameraState State,
    long FramesIn,
    long FramesProcessed,
    long FramesDropped,
    long Reconnects,
    TimeSpan InferenceTime,
    long RecordingDropped);

/// <summary>
/// The pipeline's running totals at one moment. The live status line, the stats message and the
/// benchmark all read the pipeline through two snapshots and the <see cref="PipelineDelta"/> between them,
/// so a rate means the same wherever it is shown.
/// </summary>
public sealed class PipelineSnapshot
{
    private PipelineSnapshot(long timestamp, DateTimeOffset time, IReadOnlyList<CameraSnapshot> cameras)
    {
        Timestamp = timestamp;
        Time = time;
        Cameras = cameras;
    }

    /// <summary>When it was taken, on the <see cref="Stopwatch"/> clock.</summary>
    public long Timestamp { get; }

    public DateTimeOffset Time { get; }

    /// <summary>Every camera, ordered by name.</summary>
    public IReadOnlyList<CameraSnapshot> Cameras { get; }

    public static PipelineSnapshot Of(PipelineMetrics metrics) => new(
        Stopwatch.GetTimestamp(),
        DateTimeOffset.UtcNow,
        metrics.Cameras.OrderBy(c => c.CameraId, StringComparer.Ordinal)
            .Select(c => new CameraSnapshot(c.CameraId, c.State, c.FramesIn, c.FramesProcessed, c.FramesDropped, c.Reconnects, c.InferenceTime, c.RecordingDropped))
            .ToArray());

    /// <summary>What happened between <paramref name="earlier"/> and this snapshot (a camera new since then counts from zero).</summary>
    public PipelineDelta Since(PipelineSnapshot earlier)
    {
        var interval = Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp);
        var before = earlier.Cameras.ToDictionary(c => c.CameraId, StringComparer.Ordinal);
        return new PipelineDelta(interval, Cameras.Select(now =>
        {
            var then = before.GetValueOrDefault(now.CameraId);
            return new CameraDelta(now, interval,
                now.FramesIn - (then?.FramesIn ?? 0),
                now.FramesProcessed - (then?.FramesProcessed ?? 0),
                now.FramesDropped - (then?.FramesDropped ?? 0),
                now.Reconnects - (then?.Reconnects ?? 0),
                now.InferenceTime - (then?.InferenceTime ?? TimeSpan.Zero),
                now.RecordingDropped - (then?.RecordingDropped ?? 0));
        }).ToArray());
    }
}

/// <summary>A camera's counts over an interval, with its totals at the end of it (<see cref="Now"/>).</summary>
public sealed record CameraDelta(
    CameraSnapshot Now,
    TimeSpan Interval,
    long FramesIn,
    long FramesProcessed,
    long FramesDropped,
    long Reconnects,
    TimeSpan InferenceTime,
    long RecordingDropped)
{
    /// <summary>Frames run through the detector per second over the interval.</summary>
    public double ProcessedPerSecond => FramesProcessed / Math.Max(1e-9, Interval.TotalSeconds);

    /// <summary>Inference time per processed frame over the interval (a batch's time shared by its frames).</summary>
    public double InferenceMsPerFrame => FramesProcessed == 0 ? 0 : InferenceTime.TotalMilliseconds / FramesProcessed;
}

/// <summary>What the pipeline did between two snapshots.</summary>
public sealed record PipelineDelta(TimeSpan Interval, IReadOnlyList<CameraDelta> Cameras)
{
    public long FramesIn => Cameras.Sum(c => c.FramesIn);

    public long FramesProcessed => Cameras.Sum(c => c.FramesProcessed);

    public long FramesDropped => Cameras.Sum(c => c.FramesDropped);

    /// <summary>Frames processed per second over every camera.</summary>
    public double ProcessedPerSecond => FramesProcessed / Math.Max(1e-9, Interval.TotalSeconds);
}
