using SsdStream.Pipeline;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Whether the pipeline makes progress, for the systemd watchdog: healthy while inference finishes
/// batches, or while there is nothing to infer (no camera delivers frames); unhealthy when frames come
/// in but no batch finished within the window, or when the inference thread has stopped.
/// </summary>
public sealed class DaemonHealth
{
    private DetectionPipeline? _pipeline;
    private long _framesInAtLastCheck;

    public void Attach(DetectionPipeline pipeline) => _pipeline = pipeline;

    public void Detach() => _pipeline = null;

    /// <summary>True while the daemon is starting (no pipeline yet) or the pipeline makes progress within <paramref name="window"/>.</summary>
    public bool IsMakingProgress(TimeSpan window)
    {
        var p = _pipeline;
        if (p is null) return true;
        if (p.Worker.Completion.IsCompleted) return false;
        var now = DateTimeOffset.UtcNow;
        long framesIn = p.Metrics.Cameras.Sum(c => c.FramesIn);
        bool framesArrived = framesIn != _framesInAtLastCheck;
        _framesInAtLastCheck = framesIn;
        return !framesArrived || now - p.Worker.LastBatchTime < window;
    }
}
