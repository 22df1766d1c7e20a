using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SsdStream.Service.Hosting;

/// <summary>
/// One part of the daemon, run by the Generic Host: started in registration order, stopped in reverse
/// under the one <see cref="StopBudget"/>. A part's stop is waited for only as long as the budget allows
/// (<see cref="BoundedStop"/>): a part that does not stop in time is logged and left behind, and the
/// parts after it still stop (segments closed, <c>stopped</c> published).
/// </summary>
public abstract class DaemonPart(StopBudget budget, ILogger logger) : IHostedService
{
    /// <summary>The part's name in logs ("MQTT connection", "recording").</summary>
    public abstract string Name { get; }

    protected StopBudget Budget { get; } = budget;

    private volatile bool _startBegan;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _startBegan = true;
        return StartPartAsync(cancellationToken);
    }

    /// <summary>
    /// Stops the part when its start began (it may have been cut short: a stop during the start, or a
    /// later part failing to start), once; a part that never began starting has nothing to stop.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_startBegan || Interlocked.Exchange(ref _stopBegan, 1) == 1) return Task.CompletedTask; // nothing to stop, or stopping already
        return BoundedStop.RunAsync(Name, Budget, logger, StopPartAsync, cancellationToken);
    }

    private int _stopBegan;

    /// <summary>Starts the part; <paramref name="cancellationToken"/> is cancelled when the daemon is stopped during its start.</summary>
    protected abstract Task StartPartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stops the part: gracefully until <see cref="StopBudget.Expired"/>, then at once. <paramref name="deadline"/>
    /// is cancelled when the daemon stops waiting for this part.
    /// </summary>
    protected abstract Task StopPartAsync(CancellationToken deadline);
}

/// <summary>
/// Any other hosted service in the daemon's host (one a library adds, or a test's), given the same bounded
/// stop as a <see cref="DaemonPart"/>. The host watches a <see cref="BackgroundService"/>'s work only when
/// it is registered as one, so a wrapped one's fault is handed to <see cref="DaemonExit"/> here.
/// </summary>
internal sealed class BoundedHostedService(IHostedService inner, StopBudget budget, DaemonExit exit, ILogger logger) : IHostedService
{
    private string Name => inner.GetType().Name;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await inner.StartAsync(cancellationToken).ConfigureAwait(false);
        if (inner is BackgroundService { ExecuteTask: { } work })
        {
            _ = work.ContinueWith(t => exit.Fail(Name, t.Exception!.GetBaseException()), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => BoundedStop.RunAsync(Name, budget, logger, inner.StopAsync, cancellationToken);
}
