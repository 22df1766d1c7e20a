using System.Threading.Channels;

namespace SsdStream.Pipeline.Frames;

/// <summary>
/// A writer that hands each frame to a primary writer (inference) and a shared handle of it to every
/// tap (the recorder, tests). Completing it completes them all. Each target owns what it receives.
/// </summary>
public sealed class FrameFanOut : ChannelWriter<Frame>
{
    private readonly ChannelWriter<Frame> _primary;
    private readonly List<ChannelWriter<Frame>> _taps = [];
    private readonly Lock _lock = new();

    public FrameFanOut(ChannelWriter<Frame> primary) => _primary = primary;

    /// <summary>Adds a writer that receives a shared handle of every later frame.</summary>
    public void AddTap(ChannelWriter<Frame> tap)
    {
        lock (_lock) _taps.Add(tap);
    }

    /// <summary>
    /// Writes to the primary writer; only when it takes the frame do the taps get their shares (so a frame
    /// that waits for room reaches each tap once, when it is finally written).
    /// </summary>
    public override bool TryWrite(Frame item)
    {
        ChannelWriter<Frame>[] taps;
        lock (_lock) taps = [.. _taps];
        // Shares are taken first: once the primary has the frame, its reader may dispose it at any time.
        var shares = new Frame[taps.Length];
        for (int i = 0; i < taps.Length; i++) shares[i] = item.Share();
        if (!_primary.TryWrite(item))
        {
            foreach (var s in shares) s.Dispose();
            return false;
        }
        for (int i = 0; i < taps.Length; i++)
        {
            if (!taps[i].TryWrite(shares[i])) shares[i].Dispose();
        }
        return true;
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => _primary.WaitToWriteAsync(cancellationToken);

    public override bool TryComplete(Exception? error = null)
    {
        ChannelWriter<Frame>[] taps;
        lock (_lock) taps = [.. _taps];
        foreach (var tap in taps) tap.TryComplete(error);
        return _primary.TryComplete(error);
    }
}
