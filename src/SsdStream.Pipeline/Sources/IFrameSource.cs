using SsdStream.Pipeline.Frames;

namespace SsdStream.Pipeline.Sources;

/// <summary>
/// One connection to a camera, stream or file. <see cref="ReadAsync"/> opens it and yields frames until
/// the stream ends (the enumeration completes) or breaks (it throws <see cref="FrameSourceException"/>);
/// <see cref="ResilientCamera"/> turns that into reconnects. Sequence numbers are assigned by the camera,
/// so a source yields images with their capture times only.
/// </summary>
public interface IFrameSource
{
    /// <summary>A description safe to log (credentials masked).</summary>
    string Description { get; }

    /// <summary>Frames per second the source delivers, when known after opening.</summary>
    double? FramesPerSecond { get; }

    IAsyncEnumerable<CapturedImage> ReadAsync(CancellationToken cancellation);
}

/// <summary>An image straight from a source, owned by whoever receives it.</summary>
public readonly record struct CapturedImage(OpenCvSharp.Mat Image, DateTimeOffset CaptureTime);

/// <summary>A source that could not be opened or broke while streaming.</summary>
public sealed class FrameSourceException(string message, Exception? inner = null) : Exception(message, inner);
