using System.Security.Cryptography;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// Ids of tracked objects, unique across cameras and restarts, in Frigate's shape:
/// <c>&lt;unix seconds&gt;.&lt;milliseconds&gt;-&lt;6 random base-36 characters&gt;</c>, e.g. <c>1717243200.123-k3x9qa</c>.
/// They sort by time to the millisecond; two objects of the same millisecond share an id with a chance of
/// 1 in 36⁶ (2.2·10⁹).
/// </summary>
public static class ObjectId
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>A new id for an object that started at <paramref name="start"/>, with a random suffix from the system's cryptographic generator.</summary>
    public static string New(DateTimeOffset start)
    {
        long ms = start.ToUnixTimeMilliseconds();
        long seconds = Math.DivRem(ms, 1000, out long milliseconds);
        if (milliseconds < 0) { seconds--; milliseconds += 1000; }
        Span<char> suffix = stackalloc char[6];
        RandomNumberGenerator.GetItems(Alphabet, suffix);
        return $"{seconds}.{milliseconds:000}-{suffix}";
    }
}
