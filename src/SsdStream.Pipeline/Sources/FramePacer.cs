using System.Diagnostics;

namespace SsdStream.Pipeline.Sources;

/// <summary>
/// Paces a source at a frame interval, as a camera delivers: each wait ends at the next tick. A source
/// that fell more than a second behind starts a new schedule instead of bursting to catch up.
/// An interval of zero does not wait.
/// </summary>
internal sealed class FramePacer(TimeSpan interval)
{
    private static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(1);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _next = TimeSpan.Zero;

    /// <summary>Time since the pacer started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Waits for the next frame's tick.</summary>
    public async Task WaitAsync(CancellationToken cancellation)
    {
        if (interval <= TimeSpan.Zero) return;
        var wait = _next - _clock.Elapsed;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellation).ConfigureAwait(false);
        _next += interval;
        if (_clock.Elapsed - _next > MaxLag) _next = _clock.Elapsed;
    }
}
