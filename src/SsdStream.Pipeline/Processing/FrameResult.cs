using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// The detections of one frame, boxes in the frame's pixels, with the timings that produced them.
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
    string ModelName)
{
    /// <summary>Time from capture to result.</summary>
    public TimeSpan Latency => CompletedTime - CaptureTime;
}
