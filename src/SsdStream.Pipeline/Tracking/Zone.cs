using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>Where a detection stands: the bottom centre of its box, in fractions 0..1 of the frame.</summary>
public static class GroundPoint
{
    /// <summary>The middle of the box's bottom edge: ((nx1 + nx2) / 2, ny2), in fractions 0..1 of the frame.</summary>
    public static (double X, double Y) Of(PixelDetection d) => ((d.NX1 + (double)d.NX2) / 2, d.NY2);
}

/// <summary>A camera's zone as the tracker uses it: <see cref="ZoneSettings"/> with its polygon built.</summary>
public sealed class Zone
{
    private readonly Polygon _polygon;
    private readonly HashSet<string> _labels;

    /// <summary>Builds the zone; throws <see cref="ArgumentException"/> with the first of <see cref="ZoneSettings.Validate"/>'s lines.</summary>
    public Zone(ZoneSettings settings)
    {
        var errors = settings.Validate();
        if (errors.Count > 0) throw new ArgumentException(errors[0]);
        Name = settings.Name;
        InsideSeconds = settings.InsideSeconds;
        _polygon = new Polygon(settings.Points);
        _labels = new HashSet<string>(settings.Labels, StringComparer.Ordinal);
    }

    public string Name { get; }

    /// <summary>How long an object must stay inside before it is in the zone.</summary>
    public double InsideSeconds { get; }

    /// <summary>Whether objects with <paramref name="label"/> can be in this zone.</summary>
    public bool AppliesTo(string label) => _labels.Count == 0 || _labels.Contains(label);

    /// <summary>Whether <paramref name="label"/> (its object's) applies and the bottom centre of the detection's box is inside (edges count).</summary>
    public bool Holds(string label, PixelDetection d)
    {
        if (!AppliesTo(label)) return false;
        var (x, y) = GroundPoint.Of(d);
        return _polygon.Contains(x, y);
    }
}

/// <summary>
/// A camera's masks: drops each detection whose bottom centre (<see cref="GroundPoint"/>) is inside one
/// of the mask polygons or on its edge, as Frigate's object masks do.
/// </summary>
public sealed class DetectionMask
{
    private readonly (Polygon Polygon, HashSet<string> Labels)[] _masks;

    /// <summary>Builds the masks; throws <see cref="ArgumentException"/> with the first bad mask's line.</summary>
    public DetectionMask(IReadOnlyList<MaskSettings> masks)
    {
        _masks = new (Polygon, HashSet<string>)[masks.Count];
        for (int i = 0; i < masks.Count; i++)
        {
            var errors = masks[i].Validate(i);
            if (errors.Count > 0) throw new ArgumentException(errors[0]);
            _masks[i] = (new Polygon(masks[i].Points), new HashSet<string>(masks[i].Labels, StringComparer.Ordinal));
        }
    }

    /// <summary>No masks: drops nothing.</summary>
    public static DetectionMask None { get; } = new([]);

    /// <summary>Whether there is no mask at all.</summary>
    public bool IsEmpty => _masks.Length == 0;

    /// <summary>Whether the detection is ignored: its bottom centre lies in a mask that applies to its label.</summary>
    public bool Drops(PixelDetection d)
    {
        if (_masks.Length == 0) return false;
        var (x, y) = GroundPoint.Of(d);
        foreach (var (polygon, labels) in _masks)
            if ((labels.Count == 0 || labels.Contains(d.Label)) && polygon.Contains(x, y)) return true;
        return false;
    }

    /// <summary>The detections that are not dropped, in their order.</summary>
    public PixelDetection[] Apply(IEnumerable<PixelDetection> detections) => detections.Where(d => !Drops(d)).ToArray();
}
