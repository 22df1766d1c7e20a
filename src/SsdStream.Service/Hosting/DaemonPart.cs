using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SsdStream.Service.Hosting;

/// <summary>
/// One part of the daemon, run by the Generic Host: started in registration order, stopped in reverse
/// under the one <see cref="StopBudget"/>. A part's stop is waited for only as long as the budget allows
/// (<see cref="StopBudget.PartLimit"/>): a part that does not stop in time is logged and left behind, and
/// the parts after it still stop (segments closed, <c>stopped</c> published).
/// </summary>
public abstract partial class DaemonPart(StopBudget budget, ILogger logger) : IHostedService
{
    /// <summary>The part's name in logs ("MQTT connection", "recording").</summary>
    public abstract string Name { get; }

    protected StopBudget Budget { get; } = budget;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var limit = Budget.PartLimit();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        Task stop;
        try
        {
            stop = StopPartAsync(deadline.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogStopFailed(logger, Name, e.Message);
            return;
        }
        try
        {
            await stop.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            LogLeftBehind(logger, Name, limit.TotalSeconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A part that fails to stop must not keep the others from stopping.
            LogStopFailed(logger, Name, e.Message);
        }
    }

    /// <summary>
    /// Stops the part: gracefully until <see cref="StopBudget.Expired"/>, then at once. <paramref name="deadline"/>
    /// is cancelled when the daemon stops waiting for this part.
    /// </summary>
    protected abstract Task StopPartAsync(CancellationToken deadline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stop: {Part} did not stop within its {Seconds:0.0} s of the stop's budget; going on without it")]
    private static partial void LogLeftBehind(ILogger logger, string part, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "stop: {Part} failed to stop: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string part, string reason);
}
