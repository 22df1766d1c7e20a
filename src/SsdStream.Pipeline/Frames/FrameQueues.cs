using System.Threading.Channels;
using SsdStream.Pipeline.Metrics;

namespace SsdStream.Pipeline.Frames;

/// <summary>
/// The link between capture and inference: one small queue per camera, read fairly: a batch gives each
/// camera at most one slot per round, the next batch starting where this one's first round stopped (so with
/// more cameras than slots each is served in turn). A live camera's queue drops its oldest frame when full
/// (disposed and counted on the camera, see <see cref="FrameDelivery.Newest"/>); a file read at full speed
/// waits for room instead (<see cref="FrameDelivery.Every"/>). Each camera's frames are taken in order.
/// </summary>
public sealed class FrameQueues
{
    private readonly List<(string Camera, Channel<Frame> Channel, FrameDelivery Delivery)> _queues = [];
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
        lock (_queues) _queues.Add((cameraId, channel, delivery));
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
    /// many. Slots go round the cameras one at a time while frames are left, the next batch starting after the
    /// last camera this one served in its first round; each camera gives its oldest waiting frames.
    /// </summary>
    public int TakeBatch(int max, List<Frame> batch)
    {
        lock (_queues)
        {
            int n = _queues.Count;
            if (n == 0) return 0;
            int start = _start;
            Span<int> waiting = n <= 256 ? stackalloc int[n] : new int[n];
            Span<int> slots = n <= 256 ? stackalloc int[n] : new int[n];
            for (int k = 0; k < n; k++) waiting[k] = _queues[k].Channel.Reader.Count;
            int taken = 0;
            int next = (start + 1) % n;
            bool progress = true;
            for (int round = 0; taken < max && progress; round++)
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
                        // The next batch starts after the last camera served in the first round, so that with
                        // more cameras than slots each is served in turn, one batch in every few.
                        if (round == 0 && taken == max) next = (k + 1) % n;
                    }
                }
            }
            _start = next;
            taken = 0;
            for (int i = 0; i < n; i++)
            {
                int k = (start + i) % n;
                for (int slot = 0; slot < slots[k] && _queues[k].Channel.Reader.TryRead(out var frame); slot++)
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
            foreach (var (_, channel, _) in _queues)
            {
                while (channel.Reader.TryRead(out var frame)) frame.Dispose();
            }
        }
    }
}
