using System.Threading.Channels;
using OpenCvSharp;
using Ssd.Model.Imaging;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Frames;

/// <summary>
/// A camera's newest frame with its newest detections drawn, as JPEG, for the live view: kept from a
/// frame tap and a result subscription (a subscriber: it never slows detection), encoded once per new
/// frame however many viewers ask (<see cref="Jpeg"/>). Thread-safe.
/// </summary>
public sealed class LatestFrames(int quality = 80) : IDisposable
{
    private readonly Lock _lock = new();
    private Frame? _frame;
    private IReadOnlyList<PixelDetection> _detections = [];
    private (long Sequence, byte[] Jpeg)? _encoded;

    /// <summary>The sequence of the newest frame (0: none yet).</summary>
    public long Sequence
    {
        get
        {
            lock (_lock) return _frame?.Sequence ?? 0;
        }
    }

    /// <summary>Keeps the newest frame and detections until both readers complete.</summary>
    public async Task RunAsync(ChannelReader<Frame> frames, ChannelReader<FrameResult> results, CancellationToken cancellation)
    {
        var keepResults = Task.Run(async () =>
        {
            await foreach (var r in results.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                if (r.Tracking?.Closing == true) continue;
                lock (_lock) _detections = r.Detections;
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var frame in frames.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                Frame? old;
                lock (_lock)
                {
                    old = _frame;
                    _frame = frame;
                }
                old?.Dispose();
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            while (frames.TryRead(out var f)) f.Dispose();
            try
            {
                await keepResults.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>The newest frame, its detections drawn, as JPEG; null before the first frame.</summary>
    public byte[]? Jpeg()
    {
        lock (_lock)
        {
            if (_frame is null) return null;
            if (_encoded is { } cached && cached.Sequence == _frame.Sequence) return cached.Jpeg;
        }
        // One encoder at a time: viewers asking together after a new frame share its one encoding.
        lock (_encodeLock) return Encode();
    }

    private readonly Lock _encodeLock = new();

    private byte[]? Encode()
    {
        Frame? frame;
        IReadOnlyList<PixelDetection> detections;
        lock (_lock)
        {
            if (_frame is null) return null;
            if (_encoded is { } e && e.Sequence == _frame.Sequence) return e.Jpeg;
            frame = _frame.Share();
            detections = _detections;
        }
        using (frame)
        using (var drawn = frame.Image.Clone())
        {
            DetectionPainter.Draw(drawn, detections);
            var jpeg = drawn.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
            lock (_lock)
            {
                if (_encoded is not { } newer || newer.Sequence < frame.Sequence) _encoded = (frame.Sequence, jpeg);
            }
            return jpeg;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _frame?.Dispose();
            _frame = null;
        }
    }
}
