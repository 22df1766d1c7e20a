using System.Threading.Channels;
using SsdStream.Pipeline.Metrics;

namespace SsdStream.Pipeline.Frames;

/// <summary>
/// The link between capture and inference: one small queue per camera, read fairly: a batch gives each
/// camera at most one slot per round, starting each batch at the next camera in turn. A live camera's
/// queue drops its oldest frame when full (disposed and counted on the camera, see
/// <see cref="FrameDelivery.Newest"/>), and a batch takes a live camera's newest frames: those its slots
/// cannot take are dropped and counted rather than served a batch later; a file read at full speed waits
/// for room instead and has every frame taken in order (<see cref="FrameDelivery.Every"/>).
/// </summary>
public sealed class FrameQueues
{
    private readonly List<(string Camera, Channel<Frame> Channel, FrameDelivery Delivery, CameraCounters Counters)> _queues = [];
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
        lock (_queues) _queues.Add((cameraId, channel, delivery, counters));
        return channel.Writer;
    }

    /// <summary>Whether any camera is live (<see cref="FrameDelivery.Newest"/>): its frames go stale while they wait.</summary>
    public bool HasLiveCameras
    {
        get
        {
            lock (_queues) return _queues.Any(q => q.Delivery == FrameDelivery.Newest);
        }
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

    /// <summary>
    /// Takes up to <paramref name="max"/> frames fairly across cameras into <paramref name="batch"/>; returns how
    /// many. Slots go round the cameras one at a time (starting at the next camera each batch) while frames
    /// are left; a live camera then gives its newest frames for its slots and drops the older ones.
    /// </summary>
    public int TakeBatch(int max, List<Frame> batch)
    {
        lock (_queues)
        {
            int n = _queues.Count;
            if (n == 0) return 0;
            int start = _start;
            _start = (_start + 1) % n;
            Span<int> waiting = n <= 256 ? stackalloc int[n] : new int[n];
            Span<int> slots = n <= 256 ? stackalloc int[n] : new int[n];
            for (int k = 0; k < n; k++) waiting[k] = _queues[k].Channel.Reader.Count;
            int taken = 0;
            bool progress = true;
            while (taken < max && progress)
            {
                progress = false;
                for (int i = 0; i < n && taken < max; i++)
                {
                    int k = (start + i) % n;
                    if (slots[k] < waiting[k])
                    {
                        slots[k]++;
                        taken++;
                        progress = true;
                    }
                }
            }
            taken = 0;
            for (int i = 0; i < n; i++)
            {
                int k = (start + i) % n;
                var (_, channel, delivery, counters) = _queues[k];
                if (delivery == FrameDelivery.Newest)
                {
                    // Served a batch later, the older frames would be older still: the newest go now.
                    for (int stale = waiting[k] - slots[k]; stale > 0 && channel.Reader.TryRead(out var old); stale--)
                    {
                        old.Dispose();
                        counters.AddDropped();
                    }
                }
                for (int s = 0; s < slots[k] && channel.Reader.TryRead(out var frame); s++)
                {
                    batch.Add(frame);
                    taken++;
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
            foreach (var (_, channel, _, _) in _queues)
            {
                while (channel.Reader.TryRead(out var frame)) frame.Dispose();
            }
        }
    }
}
