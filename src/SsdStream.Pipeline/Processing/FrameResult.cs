using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// The detections of one frame, boxes in the frame's pixels, with the timings that produced them.
/// <see cref="Detections"/> are what the camera's filter keeps (what is published); <see cref="Candidates"/>
/// are every detection the filter keeps by label and area at any score, for the tracker, which then
/// empties them; <see cref="Tracking"/> is what the tracker made of the frame.
/// </summary>
public sealed record FrameResult(
    string CameraId,
    long Sequence,
    DateTimeOffset CaptureTime,
    int Width,
    int Height,
    IReadOnlyList<PixelDetection> Detections,
    DateTimeOffset CompletedTime,
    TimeSpan BatchInferenceTime,
    int BatchSize,
    string ModelName,
    IReadOnlyList<PixelDetection>? Candidates = null,
    FrameTracking? Tracking = null)
{
    /// <summary>Time from capture to result.</summary>
    public TimeSpan Latency => CompletedTime - CaptureTime;
}

/// <summary>
/// What the tracker made of a frame: the object events it caused and the camera's current objects. A
/// closing result (<see cref="Closing"/>) carries no frame: the camera's objects ended because it went
/// quiet or detection stopped; its detections are empty and its sequence is the camera's last.
/// </summary>
public sealed record FrameTracking(IReadOnlyList<ObjectEvent> Events, IReadOnlyList<ObjectPresence> Objects, bool Closing = false);
