using System.Diagnostics;
using System.Threading.Channels;
using Ssd.Model.Inference;
using SsdStream.Pipeline.Frames;

namespace SsdStream.Pipeline.Processing;

/// <summary>A frame of a prepared batch, without its image (which preprocessing has consumed).</summary>
public readonly record struct PreparedFrame(string CameraId, long Sequence, DateTimeOffset CaptureTime, int Width, int Height);

/// <summary>Preprocessed frames in one input buffer, <c>[Count, 3, S, S]</c>, ready for the network.</summary>
public sealed class PreparedBatch(float[] input)
{
    public float[] Input { get; } = input;

    public List<PreparedFrame> Frames { get; } = [];

    public int Count => Frames.Count;
}

/// <summary>
/// The stage before the network, on a thread of its own: takes fair batches of frames from
/// <see cref="FrameQueues"/>, preprocesses them (resize, colour, normalise) into one of two batch buffers,
/// disposes the frames, and hands the batch to the inference thread, so that preprocessing overlaps with
/// the network instead of adding to it. With live cameras it takes frames only when the network is about
/// to be free (<see cref="InferencePace"/>): a frame then waits at most for the batch in progress, and the
/// frames that arrive meanwhile are newer ones. Files read at full speed are prepared at once. Completes its
/// output when the queues have ended, on cancellation, or with the error that stopped it.
/// </summary>
public sealed class BatchPreparer
{
    /// <summary>Time kept in hand, on top of the expected preprocessing time, when taking frames just in time.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(2);

    private readonly FrameQueues _input;
    private readonly BatchingOptions _options;
    private readonly InferencePace _pace;
    private readonly Channel<PreparedBatch> _ready = Channel.CreateBounded<PreparedBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    private readonly Channel<PreparedBatch> _free = Channel.CreateUnbounded<PreparedBatch>();
    private double _secondsPerFrame = 0.0005;

    public BatchPreparer(FrameQueues input, BatchingOptions options, InferencePace pace)
    {
        _input = input;
        _options = options;
        _pace = pace;
    }

    /// <summary>Prepared batches, in order.</summary>
    public ChannelReader<PreparedBatch> Output => _ready.Reader;

    /// <summary>Gives a batch's buffer back once the network has read it.</summary>
    public void Return(PreparedBatch batch) => _free.Writer.TryWrite(batch);

    /// <summary>Starts the preparing thread with <paramref name="preprocessor"/> (thread-safe; the detector's).</summary>
    public void Start(ImagePreprocessor preprocessor, CancellationToken cancellation)
    {
        int length = preprocessor.ImageLength;
        for (int i = 0; i < 2; i++) _free.Writer.TryWrite(new PreparedBatch(new float[_options.MaxBatch * length]));
        var thread = new Thread(() => Run(preprocessor, cancellation)) { Name = "ssdstream-preprocess", IsBackground = true };
        thread.Start();
    }

    private void Run(ImagePreprocessor preprocessor, CancellationToken cancellation)
    {
        Exception? error = null;
        var frames = new List<Frame>(_options.MaxBatch);
        try
        {
            int length = preprocessor.ImageLength;
            while (!cancellation.IsCancellationRequested)
            {
                var batch = ReadSync(_free.Reader, cancellation);
                if (batch is null) break;
                if (_input.HasLiveCameras)
                    _pace.WaitUntilFreeWithin(TimeSpan.FromSeconds(_secondsPerFrame * _options.MaxBatch) + Margin, cancellation);
                if (!_input.WaitForFramesAsync(cancellation).GetAwaiter().GetResult()) break;
                if (_options.MaxWait > TimeSpan.Zero && _input.Count < _options.MaxBatch)
                {
                    var deadline = Stopwatch.StartNew();
                    while (_input.Count < _options.MaxBatch && deadline.Elapsed < _options.MaxWait && !cancellation.IsCancellationRequested) Thread.Sleep(1);
                }
                frames.Clear();
                if (_input.TakeBatch(_options.MaxBatch, frames) == 0)
                {
                    Return(batch);
                    continue;
                }
                var clock = Stopwatch.StartNew();
                batch.Frames.Clear();
                try
                {
                    for (int k = 0; k < frames.Count; k++)
                    {
                        var f = frames[k];
                        batch.Frames.Add(new PreparedFrame(f.CameraId, f.Sequence, f.CaptureTime, f.Width, f.Height));
                        preprocessor.Write(f.Image, batch.Input.AsSpan(k * length, length));
                    }
                }
                finally
                {
                    foreach (var f in frames) f.Dispose();
                    frames.Clear();
                }
                _secondsPerFrame = 0.8 * _secondsPerFrame + 0.2 * clock.Elapsed.TotalSeconds / batch.Count;
                _pace.Queued(batch.Count);
                while (!_ready.Writer.TryWrite(batch))
                {
                    if (!_ready.Writer.WaitToWriteAsync(cancellation).AsTask().GetAwaiter().GetResult()) return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
            _ready.Writer.TryComplete(error);
        }
    }

    private static PreparedBatch? ReadSync(ChannelReader<PreparedBatch> reader, CancellationToken cancellation)
    {
        PreparedBatch? item;
        while (!reader.TryRead(out item))
        {
            if (!reader.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult()) return null;
        }
        return item;
    }
}
