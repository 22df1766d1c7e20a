using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SsdStream.Service.Hosting;

/// <summary>
/// How the daemon ends, decided once: 0 when it was asked to stop or every camera has ended, 1 when a
/// part failed (the service manager should restart it). A part's long-running work is watched here: if
/// it ends before the stop, for any reason other than the cameras having ended, the daemon fails. It
/// never stops silently.
/// </summary>
public sealed partial class DaemonExit(IHostApplicationLifetime lifetime, ILogger<DaemonExit> logger)
{
    public const int Success = ExitCodes.Success;
    public const int Fault = ExitCodes.Fault;

    private int _code = Success;
    private int _decided;

    /// <summary>The process's exit code.</summary>
    public int Code => Volatile.Read(ref _code);

    /// <summary>A part failed: log it, exit with <see cref="Fault"/>, and stop the others.</summary>
    public void Fail(string part, Exception? error)
    {
        if (Interlocked.Exchange(ref _decided, 1) == 0)
        {
            Volatile.Write(ref _code, Fault);
            if (error is null) LogEnded(logger, part);
            else LogFailed(logger, part, error.Message, error);
        }
        lifetime.StopApplication();
    }

    /// <summary>Nothing is left to do (every camera has ended): stop cleanly with <see cref="Success"/>. No-op once the stop began.</summary>
    public void Finish(string reason)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested) return;
        if (Interlocked.Exchange(ref _decided, 1) == 0) LogFinished(logger, reason);
        lifetime.StopApplication();
    }

    /// <summary>
    /// Watches a part's work: a fault, or an end before the stop, fails the daemon, unless
    /// <paramref name="endedNaturally"/> says the end follows from the cameras having ended.
    /// </summary>
    public void Watch(string part, Task work, Func<bool>? endedNaturally = null) =>
        work.ContinueWith(t =>
        {
            if (t.IsFaulted) Fail(part, t.Exception!.GetBaseException());
            else if (!lifetime.ApplicationStopping.IsCancellationRequested && endedNaturally?.Invoke() != true) Fail(part, null);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Part} failed: {Reason}; exiting so that the service manager restarts the daemon")]
    private static partial void LogFailed(ILogger logger, string part, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Part} ended before the stop; exiting so that the service manager restarts the daemon")]
    private static partial void LogEnded(ILogger logger, string part);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reason}; stopping")]
    private static partial void LogFinished(ILogger logger, string reason);
}
