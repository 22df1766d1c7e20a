namespace SsdStream.Pipeline.Sources;

/// <summary>
/// Decides which frames of a stream to keep so that at most a given number per second remain, evenly
/// spaced: 10 of a 30 fps stream are every third frame, 12 of 30 alternate gaps of 3 and 2 frames.
/// Positions are the stream's own time line (a file's frame index over its frame rate) or the wall
/// clock (a device). Frames are asked about in order; <see cref="Taken"/> commits a kept one.
/// </summary>
internal sealed class FrameRateCap
{
    /// <summary>Positions computed from frame indices differ from the schedule by rounding only.</summary>
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(1);

    private readonly TimeSpan _gap;
    private TimeSpan? _due;

    /// <param name="maxFps">Frames per second to keep at most; null or 0 keeps every frame.</param>
    public FrameRateCap(double? maxFps)
    {
        if (maxFps is < 0 or double.NaN) throw new ArgumentOutOfRangeException(nameof(maxFps), maxFps, "cannot be negative");
        _gap = maxFps is > 0 and var m ? TimeSpan.FromSeconds(1 / m) : TimeSpan.Zero;
    }

    /// <summary>
    /// The rate a capped source delivers, which its consumers see (the recorder encodes at it): the lower
    /// of the cap and the source's own rate; the cap when the source's rate is unknown; the source's rate
    /// without a cap.
    /// </summary>
    public static double? KeptRate(double? maxFps, double? nativeFps) =>
        maxFps is > 0 and var cap ? Math.Min(cap, nativeFps ?? cap) : nativeFps;

    /// <summary>Whether a frame at <paramref name="position"/> should be kept (nothing changes until <see cref="Taken"/>).</summary>
    public bool IsDue(TimeSpan position) => _gap == TimeSpan.Zero || _due is not { } due || position >= due - Tolerance;

    /// <summary>Records that the frame at <paramref name="position"/> was kept; the next one is due a gap later.</summary>
    public void Taken(TimeSpan position)
    {
        if (_gap == TimeSpan.Zero) return;
        // On schedule: the next is due one gap after this one's slot (no drift). Far behind (a stall, a
        // slow source): start a new schedule from here instead of delivering a burst to catch up.
        _due = _due is { } due && position - due < _gap ? due + _gap : position + _gap;
    }
}
