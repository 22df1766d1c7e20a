namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// Tells whether an object is stationary, as Frigate judges it: while each new box overlaps the average
/// of the boxes since the object stopped by at least <see cref="TrackerSettings.StationaryIou"/>, it is
/// still, and once still for <see cref="TrackerSettings.StationarySeconds"/> it is stationary; a box that
/// overlaps the average less means it moved: it is active again at once and the average starts anew from
/// that box. Boxes in pixels.
/// </summary>
internal sealed class StillnessClock
{
    private readonly double _minIou;
    private readonly TimeSpan _stationaryAfter;
    private double _x1, _y1, _x2, _y2; // sums of the boxes since it stopped
    private int _count;
    private DateTimeOffset _stillSince;

    public StillnessClock(TrackerSettings settings)
    {
        _minIou = settings.StationaryIou;
        _stationaryAfter = TimeSpan.FromSeconds(settings.StationarySeconds);
    }

    /// <summary>Whether the object is stationary as of its latest box.</summary>
    public bool Stationary { get; private set; }

    /// <summary>Takes the object's box at <paramref name="time"/>.</summary>
    public void Observe(CornerBox box, DateTimeOffset time)
    {
        if (_count > 0)
        {
            var average = new CornerBox((float)(_x1 / _count), (float)(_y1 / _count), (float)(_x2 / _count), (float)(_y2 / _count));
            if (box.Iou(average) >= _minIou)
            {
                Add(box);
                Stationary = time - _stillSince >= _stationaryAfter;
                return;
            }
        }
        _x1 = _y1 = _x2 = _y2 = 0;
        _count = 0;
        Add(box);
        _stillSince = time;
        Stationary = false;
    }

    private void Add(CornerBox box)
    {
        _x1 += box.X1;
        _y1 += box.Y1;
        _x2 += box.X2;
        _y2 += box.Y2;
        _count++;
    }
}
