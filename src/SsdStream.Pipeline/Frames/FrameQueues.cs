using System.Threading.Channels;
using SsdStream.Pipeline.Metrics;

namespace SsdStream.Pipeline.Frames;

/// <summary>
/// The link between capture and inference: one small queue per camera, read fairly: a batch takes at
/// most one frame per camera per round, starting each batch at the next camera in turn. A live camera's
/// queue drops its oldest frame when full (disposed and counted on the camera, see
/// <see cref="FrameDelivery.Newest"/>); a file read at full speed waits for room instead
/// (<see cref="FrameDelivery.Every"/>).
/// </summary>
public sealed class FrameQueues
{
    private readonly List<(string Camera, Channel<Frame> Channel)> _queues = [];
    private int _start;

    /// <summary>
    /// Adds a camera's queue of <paramref name="capacity"/> frames; returns the writer its capture uses.
    /// With <see cref="FrameDelivery.Every"/> the writer's <c>TryWrite</c> fails while the queue is full and
    /// <c>WaitToWriteAsync</c> waits for room.
    /// </summary>
    public ChannelWriter<Frame> AddCamera(string cameraId, int capacity, CameraCounters counters, FrameDelivery delivery = FrameDelivery.Newest)
    {
        var channel = delivery == FrameDelivery.Every
            ? Channel.CreateBounded<Frame>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true })
            : DropOldestChannel.Create<Frame>(capacity, _ => counters.AddDropped(), singleReader: true, singleWriter: true);
        lock (_queues) _queues.Add((cameraId, channel));
        return channel.Writer;
    }

    /// <summary>Frames waiting over all cameras.</summary>
    public int Count
    {
        get
        {
            lock (_queues) return _queues.Sum(q => q.Channel.Reader.Count);
        }
    }

    /// <summary>
    /// Waits until some camera has a frame (true), or every camera has finished and all frames are taken (false).
    /// </summary>
    public async Task<bool> WaitForFramesAsync(CancellationToken cancellation)
    {
        while (true)
        {
            List<ChannelReader<Frame>> open;
            lock (_queues)
            {
                if (_queues.Any(q => q.Channel.Reader.Count > 0)) return true;
                open = _queues.Where(q => !q.Channel.Reader.Completion.IsCompleted).Select(q => q.Channel.Reader).ToList();
            }
            if (open.Count == 0) return false;
            var first = (Task<bool>)await FirstWait.WhenAnyAsync(
                open.Select(r => (Func<CancellationToken, Task>)(token => r.WaitToReadAsync(token).AsTask())).ToList(), cancellation).ConfigureAwait(false);
            if (first.IsCompletedSuccessfully && first.Result) return true;
            cancellation.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Takes up to <paramref name="max"/> frames fairly across cameras into <paramref name="batch"/>; returns how many.</summary>
    public int TakeBatch(int max, List<Frame> batch)
    {
        lock (_queues)
        {
            int taken = 0;
            int n = _queues.Count;
            if (n == 0) return 0;
            int start = _start;
            _start = (_start + 1) % n;
            bool progress = true;
            while (taken < max && progress)
            {
                progress = false;
                for (int k = 0; k < n && taken < max; k++)
                {
                    if (_queues[(start + k) % n].Channel.Reader.TryRead(out var frame))
                    {
                        batch.Add(frame);
                        taken++;
                        progress = true;
                    }
                }
            }
            return taken;
        }
    }

    /// <summary>Disposes every frame still waiting.</summary>
    public void Drain()
    {
        lock (_queues)
        {
            foreach (var (_, channel) in _queues)
            {
                while (channel.Reader.TryRead(out var frame)) frame.Dispose();
            }
        }
    }
}
