namespace SsdStream.Pipeline.Sources;

/// <summary>
/// Exponential backoff with jitter between reconnect attempts: attempt n (from 0) waits
/// <c>min(Max, Initial x Multiplier^n)</c>, spread by +-<see cref="Jitter"/> of itself so that cameras that
/// dropped together do not reconnect in lockstep.
/// </summary>
public sealed record ReconnectPolicy(TimeSpan Initial, TimeSpan Max, double Multiplier = 2, double Jitter = 0.2)
{
    public static ReconnectPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    public TimeSpan Delay(int attempt, Random random)
    {
        double baseMs = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(Multiplier, Math.Min(attempt, 30)));
        double spread = 1 + Jitter * (2 * random.NextDouble() - 1);
        return TimeSpan.FromMilliseconds(Math.Max(0, baseMs * spread));
    }
}
