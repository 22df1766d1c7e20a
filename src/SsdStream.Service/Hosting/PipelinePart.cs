using Microsoft.Extensions.Logging;
using SsdStream.Pipeline;

namespace SsdStream.Service.Hosting;

/// <summary>
/// The detection pipeline: loads the model on the inference thread, then opens the cameras. At the stop
/// it closes the cameras and lets inference finish the frames already queued (within the budget), which
/// completes the results every other part reads. A dead inference thread fails the daemon; every camera
/// ending for good (files that do not loop) stops it cleanly.
/// </summary>
public sealed partial class PipelinePart(DetectionPipeline pipeline, PipelineFactory factory, BrokerEndpoint endpoint, DaemonExit exit, StopBudget budget, ILogger<PipelinePart> logger)
    : DaemonPart(budget, logger)
{
    public override string Name => "detection pipeline";

    protected override async Task StartPartAsync(CancellationToken cancellationToken)
    {
        await pipeline.StartAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(logger, pipeline.Cameras.Count, factory.ModelName, endpoint.Current.ToString());
        var inference = pipeline.Worker.Completion;
        exit.Watch("inference", inference, () => pipeline.AllCamerasEnded);
        _ = inference.ContinueWith(_ =>
        {
            if (pipeline.AllCamerasEnded) exit.Finish("every camera has ended (files that do not loop) and their frames are processed");
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    protected override Task StopPartAsync(CancellationToken deadline)
    {
        LogStopping(logger);
        return pipeline.StopAsync(Budget.Expired);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "detecting on {Cameras} camera(s) with {Model}, publishing to {Broker}")]
    private static partial void LogStarted(ILogger logger, int cameras, string model, string broker);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: closing cameras, publishing the last results")]
    private static partial void LogStopping(ILogger logger);
}
