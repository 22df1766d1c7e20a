namespace Ssd.Model.Boxes;

/// <summary>
/// The numbers that define an SSD's default (anchor) boxes: one feature-map size, step, scale and list
/// of aspect ratios per map. One instance per architecture (<see cref="Ssd300"/>, <see cref="SsdLite300"/>)
/// so the numbers live in one place.
/// </summary>
/// <param name="FigureSize">Input size in pixels (square).</param>
/// <param name="FeatureSizes">Side of each feature map, in cells.</param>
/// <param name="Steps">Pixels between neighbouring cell centres, per map.</param>
/// <param name="Scales">Box scales in pixels; one more than there are maps.</param>
/// <param name="AspectRatios">Extra aspect ratios per map; each adds two boxes (a and 1/a).</param>
/// <param name="ScaleXy">Variance of the centre offsets in the box coding.</param>
/// <param name="ScaleWh">Variance of the log size offsets in the box coding.</param>
public sealed record DefaultBoxConfig(
    int FigureSize,
    IReadOnlyList<int> FeatureSizes,
    IReadOnlyList<int> Steps,
    IReadOnlyList<int> Scales,
    IReadOnlyList<IReadOnlyList<int>> AspectRatios,
    float ScaleXy = 0.1f,
    float ScaleWh = 0.2f)
{
    /// <summary>SSD300 (ResNet-50) of the reference: 8732 boxes.</summary>
    public static DefaultBoxConfig Ssd300 { get; } = new(
        300,
        [38, 19, 10, 5, 3, 1],
        [8, 16, 32, 64, 100, 300],
        [21, 45, 99, 153, 207, 261, 315],
        [[2], [2, 3], [2, 3], [2, 3], [2], [2]]);

    /// <summary>SSDLite (MobileNetV2) of the SSD-pytorch reference: 3000 boxes.</summary>
    public static DefaultBoxConfig SsdLite300 { get; } = new(
        300,
        [19, 10, 5, 3, 2, 1],
        [16, 32, 64, 100, 150, 300],
        [60, 105, 150, 195, 240, 285, 330],
        [[2, 3], [2, 3], [2, 3], [2, 3], [2, 3], [2, 3]]);

    /// <summary>Default boxes per cell on each map: 2 + 2 per aspect ratio.</summary>
    public IReadOnlyList<int> BoxesPerCell => AspectRatios.Select(a => 2 + 2 * a.Count).ToArray();

    /// <summary>Total number of default boxes over all maps.</summary>
    public int BoxCount => FeatureSizes.Select((f, k) => f * f * BoxesPerCell[k]).Sum();
}
