using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;

namespace SsdStream.Pipeline.Sources;

/// <summary>
/// Keeps one camera streaming: opens its source, hands every frame (with an increasing sequence number)
/// to the output channel, and when the stream ends, breaks or stalls (no frame within the stall
/// timeout) reconnects with exponential backoff and jitter. It reports each state change. A file that
/// ends without looping stops the camera. Losing this camera never touches another.
/// </summary>
public sealed partial class ResilientCamera
{
    private readonly Func<IFrameSource> _sourceFactory;
    private readonly ReconnectPolicy _policy;
    private readonly TimeSpan _stallTimeout;
    private readonly CameraCounters _counters;
    private readonly ILogger _logger;
    private readonly Random _random = new();
    private long _sequence;

    public ResilientCamera(string cameraId, Func<IFrameSource> sourceFactory, ReconnectPolicy policy, TimeSpan stallTimeout, CameraCounters counters, ILogger logger)
    {
        if (stallTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(stallTimeout), stallTimeout, "stall timeout must be positive");
        CameraId = cameraId;
        _sourceFactory = sourceFactory;
        _policy = policy;
        _stallTimeout = stallTimeout;
        _counters = counters;
        _logger = logger;
    }

    public string CameraId { get; }

    public CameraState State => _counters.State;

    /// <summary>Raised on every state change, on the camera's own task.</summary>
    public event Action<CameraStateChange>? StateChanged;

    /// <summary>Frames per second of the current source, when known.</summary>
    public double? FramesPerSecond { get; private set; }

    /// <summary>
    /// Streams into <paramref name="output"/> until cancelled or the source ends for good; completes the
    /// writer when it returns.
    /// </summary>
    public async Task RunAsync(ChannelWriter<Frame> output, CancellationToken cancellation)
    {
        int attempt = 0;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var source = _sourceFactory();
                SetState(CameraState.Connecting, $"opening {source.Description}");
                string reason;
                var connection = new Connection();
                try
                {
                    await StreamAsync(source, connection, output, cancellation).ConfigureAwait(false);
                    if (source is VideoCaptureFrameSource { EndIsFinal: true })
                    {
                        SetState(CameraState.Stopped, "end of file");
                        return;
                    }
                    reason = "end of stream";
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    break;
                }
                catch (StallException)
                {
                    reason = $"no frame for {_stallTimeout.TotalSeconds:0.#} s";
                }
                catch (FrameSourceException e)
                {
                    reason = e.Message;
                }
                catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
                {
                    // Anything else a source throws (an I/O error on a pipe, an OpenCV error): the camera
                    // reconnects as after any other loss and says why; it never ends on its own.
                    reason = $"unexpected {e.GetType().Name}: {e.Message}";
                }
                // A connection that delivered frames was a success, however it ended (a stream that breaks
                // throws): the backoff starts again from its shortest delay, not where the failures before it left it.
                if (connection.Streamed) attempt = 0;
                var delay = _policy.Delay(attempt++, _random);
                SetState(CameraState.BackingOff, $"{reason}; reconnecting in {delay.TotalSeconds:0.0} s");
                try
                {
                    await Task.Delay(delay, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                _counters.AddReconnect();
            }
            SetState(CameraState.Stopped, "stopped");
        }
        finally
        {
            output.TryComplete();
        }
    }

    /// <summary>What one connection achieved, known however it ended (by returning or by throwing).</summary>
    private sealed class Connection
    {
        /// <summary>At least one frame arrived.</summary>
        public bool Streamed { get; set; }
    }

    /// <summary>Reads frames until the source ends; throws <see cref="StallException"/> when none arrives in time. Sets <see cref="Connection.Streamed"/> at the first frame.</summary>
    private async Task StreamAsync(IFrameSource source, Connection connection, ChannelWriter<Frame> output, CancellationToken cancellation)
    {
        using var sourceCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var frames = source.ReadAsync(sourceCancellation.Token).GetAsyncEnumerator(sourceCancellation.Token);
        try
        {
            while (true)
            {
                var next = frames.MoveNextAsync().AsTask();
                // Opening may take the source's own open timeout; afterwards frames must keep coming.
                var limit = connection.Streamed ? _stallTimeout : _stallTimeout + TimeSpan.FromSeconds(15);
                // WaitAsync drops its timer as soon as the frame comes (a Task.Delay per frame would leave
                // one live timer per frame for the whole stall timeout: 300 for a 30 fps camera).
                bool stalled = false;
                try
                {
                    await next.WaitAsync(limit, cancellation).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    stalled = true;
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested && !next.IsCompleted)
                {
                    stalled = true;
                }
                if (stalled)
                {
                    cancellation.ThrowIfCancellationRequested();
                    sourceCancellation.Cancel();
                    // The source's read is still pending and its enumerator cannot be disposed until it
                    // returns; when it does, drop its frame and dispose it, so that the source's own cleanup
                    // (closing the device, killing ffmpeg) runs then and not at some finalizer.
                    _ = next.ContinueWith(async t =>
                    {
                        if (t.IsCompletedSuccessfully && t.Result) frames.Current.Image.Dispose();
                        try
                        {
                            await frames.DisposeAsync().ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            // The source is being abandoned; what went wrong in its cleanup changes nothing.
                        }
                    }, TaskScheduler.Default);
                    throw new StallException();
                }
                if (!await next.ConfigureAwait(false)) return;
                var image = frames.Current;
                if (!connection.Streamed)
                {
                    connection.Streamed = true;
                    FramesPerSecond = source.FramesPerSecond;
                    SetState(CameraState.Streaming, $"{source.Description}: {image.Image.Width}x{image.Image.Height}");
                }
                _counters.AddFrameIn();
                var frame = new Frame(CameraId, Interlocked.Increment(ref _sequence), image.CaptureTime, image.Image);
                await WriteAsync(output, frame, cancellation).ConfigureAwait(false);
            }
        }
        finally
        {
            sourceCancellation.Cancel();
            try
            {
                await frames.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or FrameSourceException or InvalidOperationException or NotSupportedException)
            {
                // A stalled enumerator may still be inside MoveNextAsync; it cleans up when that returns.
            }
        }
    }

    /// <summary>
    /// Hands the frame on; when the queue waits for room (<see cref="FrameDelivery.Every"/>) this waits too,
    /// so the source decodes no further than inference reads. A frame nobody takes is disposed.
    /// </summary>
    private static async Task WriteAsync(ChannelWriter<Frame> output, Frame frame, CancellationToken cancellation)
    {
        try
        {
            while (!output.TryWrite(frame))
            {
                if (!await output.WaitToWriteAsync(cancellation).ConfigureAwait(false))
                {
                    frame.Dispose();
                    return;
                }
            }
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    private void SetState(CameraState state, string reason)
    {
        var change = new CameraStateChange(CameraId, state, UrlMasker.Mask(reason), DateTimeOffset.UtcNow);
        _counters.SetState(change);
        LogState(_logger, CameraId, state.PublicName(), change.Reason);
        StateChanged?.Invoke(change);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "camera {Camera}: {State} ({Reason})")]
    private static partial void LogState(ILogger logger, string camera, string state, string reason);

    private sealed class StallException() : Exception("stalled");
}
