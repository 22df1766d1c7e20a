using System.Globalization;
using System.Text.RegularExpressions;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// A named zone of a camera: a polygon in fractions 0..1 of the frame. An object is in the zone while
/// the bottom centre of its box (where it stands) is inside the polygon or on its edge, and has been for
/// at least <see cref="InsideSeconds"/>; leaving takes effect at once. Zone names are unique across all
/// cameras, because they name MQTT topics (<see cref="ValidateUniqueNames"/>).
/// </summary>
public sealed partial record ZoneSettings
{
    /// <summary>Letters, digits, '_' and '-' (it is an MQTT topic level and a Home Assistant entity name).</summary>
    public string Name { get; init; } = "";

    /// <summary>Corners as flat pairs x0, y0, x1, y1, ... in fractions 0..1 of the frame; at least three.</summary>
    public IReadOnlyList<double> Points { get; init; } = [];

    /// <summary>Only objects with these labels can be in the zone (empty: any label).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>How long an object must stay inside, without a break, before it is in the zone. Default 0: at once.</summary>
    public double InsideSeconds { get; init; }

    /// <summary>One line per bad setting, naming the zone and the property; empty when all are good.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        string zone = $"Zone '{Name}'";
        if (!NamePattern().IsMatch(Name))
            errors.Add($"{zone}: {nameof(Name)} must be letters, digits, '_' or '-' (it names MQTT topics).");
        foreach (var e in Polygon.Check(Points)) errors.Add($"{zone}: {nameof(Points)} {e}.");
        if (!SettingLimits.IsDuration(InsideSeconds, allowZero: true))
            errors.Add($"{zone}: {nameof(InsideSeconds)} must be {SettingLimits.DurationRule(allowZero: true)}, not {SettingLimits.Show(InsideSeconds)}.");
        return errors;
    }

    /// <summary>A line for each name used by more than one zone among <paramref name="zones"/> (all cameras' zones).</summary>
    public static IReadOnlyList<string> ValidateUniqueNames(IEnumerable<ZoneSettings> zones) =>
        zones.GroupBy(z => z.Name, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"Zone '{g.Key}' is defined {g.Count()} times; zone names must be unique across cameras.")
            .ToList();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex NamePattern();
}

/// <summary>
/// An area of a camera's frame where detections are ignored (a tree, a parked car's spot, a timestamp
/// overlay): a polygon in fractions 0..1 of the frame. As in Frigate, a detection is dropped when the
/// bottom centre of its box is inside the polygon or on its edge.
/// </summary>
public sealed record MaskSettings
{
    /// <summary>Corners as flat pairs x0, y0, x1, y1, ... in fractions 0..1 of the frame; at least three.</summary>
    public IReadOnlyList<double> Points { get; init; } = [];

    /// <summary>Only detections with these labels are dropped (empty: any label).</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>One line per bad setting, naming the mask by its place in the camera's list; empty when good.</summary>
    public IReadOnlyList<string> Validate(int index) =>
        Polygon.Check(Points).Select(e => $"Mask {index}: {nameof(Points)} {e}.").ToList();
}
