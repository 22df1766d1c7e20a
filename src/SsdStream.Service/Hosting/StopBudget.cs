using Microsoft.Extensions.Hosting;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// The one time budget of the daemon's stop, <c>ShutdownTimeoutSeconds</c>, counted from the moment the
/// stop begins. Parts stop in reverse start order and finish their work gracefully (queued frames
/// processed, results published, segments written to their end) until the budget is spent; after that
/// each part only says its last word (segments closed with what they have, <c>stopped</c> published),
/// within <see cref="LastWord"/>.
/// </summary>
public sealed class StopBudget : IDisposable
{
    /// <summary>What a part that starts stopping after the budget is spent still gets for its last word.</summary>
    public static readonly TimeSpan LastWord = TimeSpan.FromSeconds(1);

    /// <summary>What a part that was still stopping when the budget ran out gets to notice it and cut off.</summary>
    public static readonly TimeSpan CutOffGrace = TimeSpan.FromSeconds(0.25);

    /// <summary>
    /// The host's own limit on the whole stop: the budget, plus the last word of each of its
    /// <paramref name="parts"/>. It is only a backstop; the parts keep within the budget and their last words themselves.
    /// </summary>
    public static TimeSpan HostLimit(double budgetSeconds, int parts) => TimeSpan.FromSeconds(budgetSeconds) + Math.Max(1, parts) * (LastWord + CutOffGrace);

    private readonly CancellationTokenSource _expired = new();
    private readonly TimeSpan _budget;
    private readonly CancellationTokenRegistration _registration;
    private long _beganTicks;

    public StopBudget(SsdStreamOptions options, IHostApplicationLifetime lifetime)
    {
        _budget = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds);
        _registration = lifetime.ApplicationStopping.Register(Begin);
    }

    /// <summary>Cancelled once the budget is spent: finish at once with what is done.</summary>
    public CancellationToken Expired => _expired.Token;

    /// <summary>When the stop began (null while running).</summary>
    public DateTimeOffset? Began => Interlocked.Read(ref _beganTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Starts the clock (once); the host calls it through <see cref="IHostApplicationLifetime.ApplicationStopping"/>.</summary>
    public void Begin()
    {
        if (Interlocked.CompareExchange(ref _beganTicks, DateTimeOffset.UtcNow.UtcTicks, 0) != 0) return;
        try
        {
            _expired.CancelAfter(_budget);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// The moment a part that starts stopping now must be done by: shortly after the budget runs out if it
    /// is still running, or its last word from now if the budget is already spent.
    /// </summary>
    public TimeSpan PartLimit()
    {
        if (_expired.IsCancellationRequested || Began is not { } began) return LastWord;
        var left = began + _budget - DateTimeOffset.UtcNow;
        return left > TimeSpan.Zero ? left + CutOffGrace : LastWord;
    }

    public void Dispose()
    {
        _registration.Dispose();
        _expired.Dispose();
    }
}
