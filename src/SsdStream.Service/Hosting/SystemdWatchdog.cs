using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Feeds systemd's watchdog (WatchdogSec in the unit) at half its interval, but only while the pipeline
/// makes progress; if inference hangs, the feeding stops and systemd restarts the service.
/// </summary>
public sealed partial class SystemdWatchdog(ISystemdNotifier notifier, DaemonHealth health, ILogger<SystemdWatchdog> logger) : BackgroundService
{
    private static readonly ServiceState Watchdog = new("WATCHDOG=1");

    /// <summary>The watchdog interval systemd asked for (WATCHDOG_USEC), if any.</summary>
    public static TimeSpan? Interval()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        return long.TryParse(usec, NumberStyles.Integer, CultureInfo.InvariantCulture, out var us) && us > 0 ? TimeSpan.FromTicks(us * 10) : null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.IsEnabled || Interval() is not { } interval) return;
        var period = interval / 2;
        bool unhealthyLogged = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (health.IsMakingProgress(interval))
            {
                notifier.Notify(Watchdog);
                unhealthyLogged = false;
            }
            else if (!unhealthyLogged)
            {
                LogNoProgress(logger, interval.TotalSeconds);
                unhealthyLogged = true;
            }
            try
            {
                await Task.Delay(period, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "the pipeline made no progress; no longer feeding the systemd watchdog (restart within {Seconds} s)")]
    private static partial void LogNoProgress(ILogger logger, double seconds);
}
