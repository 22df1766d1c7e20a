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

    public override bool TryWrite(Frame item)
    {
        ChannelWriter<Frame>[] taps;
        lock (_lock) taps = [.. _taps];
        foreach (var tap in taps)
        {
            var shared = item.Share();
            if (!tap.TryWrite(shared)) shared.Dispose();
        }
        return _primary.TryWrite(item);
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
