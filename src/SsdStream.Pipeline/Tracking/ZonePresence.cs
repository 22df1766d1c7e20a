using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// Which of a camera's zones one object is in: a zone holds it once its detections have stood in it
/// (<see cref="Zone.Holds"/>) without a break for the zone's <see cref="Zone.InsideSeconds"/>; one
/// detection outside ends that at once. Keeps the zones it has ever entered, in order.
/// </summary>
internal sealed class ZonePresence
{
    private static readonly string[] None = [];
    private readonly IReadOnlyList<Zone> _zones;
    private readonly DateTimeOffset?[] _insideSince;
    private readonly bool[] _in;
    private List<string>? _entered;

    public ZonePresence(IReadOnlyList<Zone> zones)
    {
        _zones = zones;
        _insideSince = new DateTimeOffset?[zones.Count];
        _in = new bool[zones.Count];
    }

    /// <summary>Zones it is in, in the camera's zone order; a new list only when they change.</summary>
    public IReadOnlyList<string> Current { get; private set; } = None;

    /// <summary>Zones it has been in, in the order it entered them; a new list only when one is added.</summary>
    public IReadOnlyList<string> Entered { get; private set; } = None;

    /// <summary>Takes the object's detection at <paramref name="time"/>; <paramref name="label"/> is the object's (a zone limited to labels holds it only with one of them).</summary>
    public void Observe(PixelDetection d, string label, DateTimeOffset time)
    {
        bool changed = false;
        for (int z = 0; z < _zones.Count; z++)
        {
            var zone = _zones[z];
            bool inside = false;
            if (zone.Holds(label, d))
            {
                var since = _insideSince[z] ??= time;
                inside = (time - since).TotalSeconds >= zone.InsideSeconds;
            }
            else _insideSince[z] = null;
            if (inside == _in[z]) continue;
            _in[z] = inside;
            changed = true;
            if (inside && !(_entered?.Contains(zone.Name) ?? false))
            {
                (_entered ??= []).Add(zone.Name);
                Entered = _entered.ToArray();
            }
        }
        if (!changed) return;
        var current = new List<string>();
        for (int z = 0; z < _zones.Count; z++) if (_in[z]) current.Add(_zones[z].Name);
        Current = current.Count == 0 ? None : current.ToArray();
    }
}
