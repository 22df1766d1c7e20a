namespace Ssd.Model.Data.Synthetic;

/// <summary>The object classes of synthetic scenes; class id = (int)shape + 1, name = <see cref="SyntheticShapes.ClassNames"/>.</summary>
public enum SyntheticShape
{
    Circle,
    Square,
    Triangle,
    Star,
    Cross,
    Ring,
}

/// <summary>Names and class ids of the synthetic shapes.</summary>
public static class SyntheticShapes
{
    /// <summary>Class names in class-id order: circle (1), square (2), triangle (3), star (4), cross (5), ring (6).</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["circle", "square", "triangle", "star", "cross", "ring"];

    public static int Count => ClassNames.Count;

    /// <summary>The 1-based class id of a shape.</summary>
    public static int ClassId(SyntheticShape shape) => (int)shape + 1;
}
