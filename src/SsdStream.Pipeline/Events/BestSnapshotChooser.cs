using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// Decides, per object, whether a detection makes a better snapshot than the one kept: the first one
/// always; later, one whose box no longer touches the frame's edge when the kept one did (a cut-off object
/// makes a poor picture, as Frigate judges), or one that scores clearly higher
/// (<see cref="SnapshotSettings.BetterScoreMargin"/>) without touching the edge when the kept one does not;
/// never more often than <see cref="SnapshotSettings.MinSecondsBetween"/>. Not thread-safe.
/// </summary>
public sealed class BestSnapshotChooser(SnapshotSettings settings)
{
    /// <summary>Within this many pixels of the frame's border a box touches the edge.</summary>
    private const float EdgeMargin = 2;

    private readonly Dictionary<string, (float Score, bool TouchesEdge, DateTimeOffset Time)> _kept = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="d"/> (boxes in pixels of a <paramref name="width"/> x <paramref name="height"/> frame) should become object <paramref name="id"/>'s snapshot; if so, it is kept.</summary>
    public bool Offer(string id, PixelDetection d, DateTimeOffset time, int width, int height)
    {
        bool edge = d.X1 <= EdgeMargin || d.Y1 <= EdgeMargin || d.X2 >= width - EdgeMargin || d.Y2 >= height - EdgeMargin;
        if (_kept.TryGetValue(id, out var kept))
        {
            if ((time - kept.Time).TotalSeconds < settings.MinSecondsBetween) return false;
            bool better = kept.TouchesEdge && !edge
                || edge == kept.TouchesEdge && d.Score >= kept.Score + settings.BetterScoreMargin;
            if (!better) return false;
        }
        _previous[id] = _kept.TryGetValue(id, out var before) ? before : null;
        _kept[id] = (d.Score, edge, time);
        return true;
    }

    /// <summary>
    /// Takes back the last <see cref="Offer"/> that returned true (its frame was gone, or its snapshot could
    /// not be written): the snapshot kept before it counts again.
    /// </summary>
    public void Withdraw(string id)
    {
        if (_previous.Remove(id, out var previous))
        {
            if (previous is { } p) _kept[id] = p;
            else _kept.Remove(id);
        }
    }

    private readonly Dictionary<string, (float Score, bool TouchesEdge, DateTimeOffset Time)?> _previous = new(StringComparer.Ordinal);

    /// <summary>Forgets an object (it ended).</summary>
    public void Forget(string id)
    {
        _kept.Remove(id);
        _previous.Remove(id);
    }
}
