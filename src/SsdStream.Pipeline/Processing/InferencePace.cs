using System.Diagnostics;

namespace SsdStream.Pipeline.Processing;

/// <summary>
/// When the network will want its next batch: the inference thread reports each batch's start and end,
/// and the preparer asks how long it may still wait before taking frames, so that live frames are taken
/// as late as they can be (fresh) yet are preprocessed by the time the network is free. Thread-safe.
/// </summary>
public sealed class InferencePace
{
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _idle = new(true);
    private long _startedAt;
    private int _count;
    private double _secondsPerImage = double.NaN;

    /// <summary>Seconds per image of the batches so far (an exponential average; NaN before the first).</summary>
    public double SecondsPerImage
    {
        get
        {
            lock (_lock) return _secondsPerImage;
        }
    }

    /// <summary>The network starts a batch of <paramref name="count"/> images.</summary>
    public void Started(int count)
    {
        lock (_lock)
        {
            _startedAt = Stopwatch.GetTimestamp();
            _count = count;
            _idle.Reset();
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
            _idle.Set();
        }
    }

    /// <summary>How long until the running batch is expected to end (zero when the network is idle or late).</summary>
    public TimeSpan UntilFree
    {
        get
        {
            lock (_lock)
            {
                if (_count == 0 || double.IsNaN(_secondsPerImage)) return TimeSpan.Zero;
                var remaining = TimeSpan.FromSeconds(_secondsPerImage * _count) - Stopwatch.GetElapsedTime(_startedAt);
                return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
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
            var wait = UntilFree - lead;
            if (wait <= TimeSpan.Zero) return;
            // Woken early when the batch ends before its estimate.
            _idle.Wait(wait, cancellation);
        }
    }
}
