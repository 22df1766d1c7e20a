namespace Ssd.Model.Evaluation;

/// <summary>
/// A COCO object-size range <c>[Min, Max]</c> over areas in square pixels, inclusive at both ends: an area
/// equal to a boundary lies in both neighbouring ranges (1024 is small and medium).
/// </summary>
internal readonly record struct AreaRange(string Label, double Min, double Max)
{
    /// <summary>True when <paramref name="area"/> lies outside the range (<c>area &lt; Min or area &gt; Max</c>).</summary>
    public bool Excludes(double area) => area < Min || area > Max;
}
