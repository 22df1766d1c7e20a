using OpenCvSharp;

namespace SsdStream.Pipeline.Recording;

/// <summary>Writes one video file, frame by frame; <see cref="IDisposable.Dispose"/> without <see cref="Finish"/> abandons it.</summary>
public interface ISegmentEncoder : IDisposable
{
    /// <summary>Appends a BGR frame of the segment's size; throws <see cref="IOException"/> when the file cannot be written.</summary>
    void Write(Mat frame);

    /// <summary>Completes the file (index written, buffers flushed); throws <see cref="IOException"/> on failure.</summary>
    void Finish();
}

/// <summary>Opens encoders of one kind.</summary>
public interface ISegmentEncoderFactory
{
    /// <summary>H.264 (ffmpeg) or mp4v (OpenCV).</summary>
    string Codec { get; }

    ISegmentEncoder Open(string path, int width, int height, double fps);
}

/// <summary>Picks the encoder recordings and annotated videos are written with.</summary>
public static class SegmentEncoders
{
    /// <summary>
    /// H.264 through <paramref name="ffmpeg"/> when it runs and has libx264 (plays in browsers); otherwise
    /// OpenCV's mp4v, which needs nothing but plays in fewer places (the caller should say so).
    /// </summary>
    public static ISegmentEncoderFactory Best(string? ffmpeg) =>
        !string.IsNullOrWhiteSpace(ffmpeg) && FfmpegSegmentEncoderFactory.IsAvailable(ffmpeg)
            ? new FfmpegSegmentEncoderFactory(ffmpeg)
            : new OpenCvSegmentEncoderFactory();
}
