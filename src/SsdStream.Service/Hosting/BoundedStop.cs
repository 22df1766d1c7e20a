using Microsoft.Extensions.Logging;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Waits for one part's stop only as long as the <see cref="StopBudget"/> allows
/// (<see cref="StopBudget.PartLimit"/>). The Generic Host stops its services one after the other and waits
/// for each as long as it takes, even past its own shutdown timeout when a service ignores the token; so a
/// part that hangs would keep every part after it (recordings, MQTT) from stopping. Here such a part is
/// logged and left behind instead.
/// </summary>
internal static partial class BoundedStop
{
    /// <param name="name">The part's name in the log line.</param>
    /// <param name="stop">The part's stop; its token is cancelled when the daemon stops waiting for it.</param>
    /// <param name="hostToken">The host's stop token (cancelled at the host's backstop limit).</param>
    public static async Task RunAsync(string name, StopBudget budget, ILogger logger, Func<CancellationToken, Task> stop, CancellationToken hostToken)
    {
        var limit = budget.PartLimit();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(hostToken);
        deadline.CancelAfter(limit);
        Task stopping;
        try
        {
            stopping = stop(deadline.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogStopFailed(logger, name, e.Message);
            return;
        }
        try
        {
            await stopping.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            LogLeftBehind(logger, name, limit.TotalSeconds);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A part that fails to stop must not keep the others from stopping.
            LogStopFailed(logger, name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "stop: {Part} did not stop within its {Seconds:0.0} s of the stop's budget; going on without it")]
    private static partial void LogLeftBehind(ILogger logger, string part, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "stop: {Part} failed to stop: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string part, string reason);
}
