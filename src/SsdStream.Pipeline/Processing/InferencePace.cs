using System.Diagnostics;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// When the network will want its next batch: the preparer reports each batch it hands over, the inference
/// thread each batch's start and end, and the preparer asks how long it may still wait before taking frames
/// (the running batch's expected rest plus the handed-over batch's expected time), so that live frames are
/// taken as late as they can be (fresh) yet are preprocessed by the time the network is free. Thread-safe.
/// </summary>
public sealed class InferencePace
{
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _changed = new(false);
    private long _startedAt;
    private int _count;
    private int _queued;
    private double _secondsPerImage = double.NaN;

    /// <summary>Seconds per image of the batches so far (an exponential average; NaN before the first).</summary>
    public double SecondsPerImage
    {
        get
        {
            lock (_lock) return _secondsPerImage;
        }
    }

    /// <summary>A batch of <paramref name="count"/> images is handed to the network (it starts when the network is free).</summary>
    public void Queued(int count)
    {
        lock (_lock)
        {
            _queued += count;
        }
    }

    /// <summary>The network starts a batch of <paramref name="count"/> images handed over with <see cref="Queued"/>.</summary>
    public void Started(int count)
    {
        lock (_lock)
        {
            _startedAt = Stopwatch.GetTimestamp();
            _count = count;
            _queued = Math.Max(0, _queued - count);
            _changed.Set();
        }
    }

    /// <summary>The network finished the batch it started, after <paramref name="elapsed"/>.</summary>
    public void Finished(TimeSpan elapsed)
    {
        lock (_lock)
        {
            double perImage = elapsed.TotalSeconds / Math.Max(1, _count);
            _secondsPerImage = double.IsNaN(_secondsPerImage) ? perImage : 0.8 * _secondsPerImage + 0.2 * perImage;
            _count = 0;
            _changed.Set();
        }
    }

    /// <summary>
    /// How long until the network is expected to be free: the running batch's rest (zero when it is late) plus
    /// the handed-over batch's time; zero when nothing runs or waits.
    /// </summary>
    public TimeSpan UntilFree
    {
        get
        {
            lock (_lock)
            {
                if (double.IsNaN(_secondsPerImage)) return TimeSpan.Zero;
                var running = _count == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(_secondsPerImage * _count) - Stopwatch.GetElapsedTime(_startedAt);
                if (running < TimeSpan.Zero) running = TimeSpan.Zero;
                return running + TimeSpan.FromSeconds(_secondsPerImage * _queued);
            }
        }
    }

    /// <summary>
    /// Waits until the network is expected to be free within <paramref name="lead"/>, or is idle; returns at
    /// once when it already is.
    /// </summary>
    public void WaitUntilFreeWithin(TimeSpan lead, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            // Reset before reading the estimate: a batch that starts or ends meanwhile wakes the wait at once.
            _changed.Reset();
            var wait = UntilFree - lead;
            if (wait <= TimeSpan.Zero) return;
            _changed.Wait(wait, cancellation);
        }
    }
}
