using OpenCvSharp;

namespace SsdStream.Pipeline.Frames;

/// <summary>
/// A captured frame: camera id, sequence number (increasing per camera, across reconnects), capture time
/// and the 8-bit BGR image. The image is shared between handles: <see cref="Share"/> gives another
/// handle (for the recorder, say) and each handle is disposed once; the image is freed with the last.
/// </summary>
public sealed class Frame : IDisposable
{
    private readonly SharedImage _image;
    private int _disposed;

    public Frame(string cameraId, long sequence, DateTimeOffset captureTime, Mat image)
        : this(cameraId, sequence, captureTime, new SharedImage(image))
    {
    }

    private Frame(string cameraId, long sequence, DateTimeOffset captureTime, SharedImage image)
    {
        CameraId = cameraId;
        Sequence = sequence;
        CaptureTime = captureTime;
        _image = image;
        Width = image.Mat.Width;
        Height = image.Mat.Height;
    }

    public string CameraId { get; }

    public long Sequence { get; }

    public DateTimeOffset CaptureTime { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The image; valid until this handle is disposed. Do not modify it: other handles see the same pixels.</summary>
    public Mat Image => _disposed == 0 ? _image.Mat : throw new ObjectDisposedException(nameof(Frame));

    /// <summary>Another handle on the same image, disposed independently.</summary>
    public Frame Share()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _image.AddReference();
        return new Frame(CameraId, Sequence, CaptureTime, _image);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _image.Release();
    }

    public override string ToString() => $"{CameraId}#{Sequence} {Width}x{Height}";

    private sealed class SharedImage(Mat mat)
    {
        private int _references = 1;

        public Mat Mat { get; } = mat;

        public void AddReference() => Interlocked.Increment(ref _references);

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0) Mat.Dispose();
        }
    }
}
