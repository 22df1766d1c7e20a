namespace Ssd.Model.Data.Synthetic;

/// <summary>What synthetic scenes hold; the defaults are what `dataset synth` and the synthetic camera use.</summary>
public sealed record SyntheticSceneOptions
{
    /// <summary>Fewest objects a still scene tries to place (0 gives background-only frames).</summary>
    public int MinObjects { get; init; } = 1;

    /// <summary>Most objects in a still scene, and most objects on screen at once in a moving one.</summary>
    public int MaxObjects { get; init; } = 8;

    /// <summary>
    /// Smallest object diameter (circumscribed circle) as a fraction of the frame's short side. The
    /// default, 0.15 (45 px of the 300x300 input on a 4:3 frame), suits SSDLite, whose smallest default
    /// box is 60 px; far smaller objects fall below what that network can resolve.
    /// </summary>
    public double MinSize { get; init; } = 0.15;

    /// <summary>Largest object diameter as a fraction of the frame's short side.</summary>
    public double MaxSize { get; init; } = 0.45;

    /// <summary>
    /// Still scenes: the largest fraction of an object's pixels that objects drawn over it may hide; a
    /// placement that would hide more is tried elsewhere.
    /// </summary>
    public double MaxOcclusion { get; init; } = 0.35;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (MinObjects < 0 || MaxObjects < MinObjects || MaxObjects > 100)
            throw new ArgumentException($"objects per scene must satisfy 0 <= min ({MinObjects}) <= max ({MaxObjects}) <= 100");
        if (!(MinSize > 0) || !(MaxSize >= MinSize) || MaxSize > 0.9)
            throw new ArgumentException($"object sizes must satisfy 0 < min ({MinSize}) <= max ({MaxSize}) <= 0.9 of the short side");
        if (!(MaxOcclusion >= 0 && MaxOcclusion < 1))
            throw new ArgumentException($"MaxOcclusion ({MaxOcclusion}) must lie in [0, 1)");
    }
}
