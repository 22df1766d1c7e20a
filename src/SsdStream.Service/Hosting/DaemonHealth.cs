using SsdStream.Pipeline;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Whether the pipeline makes progress, for the systemd watchdog: healthy while inference finishes
/// batches, or while there is nothing to infer (no camera delivers frames); unhealthy when frames come
/// in but no batch finished within the window, or when the inference thread has stopped.
/// </summary>
public sealed class DaemonHealth(DetectionPipeline pipeline)
{
    private long _framesInAtLastCheck;

    /// <summary>True while the daemon is starting, or the pipeline makes progress within <paramref name="window"/>.</summary>
    public bool IsMakingProgress(TimeSpan window)
    {
        if (!pipeline.IsStarted) return true;
        if (pipeline.Worker.Completion.IsCompleted) return false;
        long framesIn = pipeline.Metrics.Cameras.Sum(c => c.FramesIn);
        bool framesArrived = framesIn != _framesInAtLastCheck;
        _framesInAtLastCheck = framesIn;
        return !framesArrived || DateTimeOffset.UtcNow - pipeline.Worker.LastBatchTime < window;
    }
}
