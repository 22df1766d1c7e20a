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
