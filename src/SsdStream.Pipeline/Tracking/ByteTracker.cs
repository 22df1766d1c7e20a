using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>What happened to a track in a frame.</summary>
public enum TrackChangeKind
{
    /// <summary>A confident detection that matched nothing started a tentative track.</summary>
    Started,

    /// <summary>The track has been seen often and well enough to be an object.</summary>
    Confirmed,

    /// <summary>The track is over: a tentative track missed a frame, or a confirmed one was unseen too long.</summary>
    Ended,
}

/// <summary>A change of one track in a frame.</summary>
public readonly record struct TrackChange(Track Track, TrackChangeKind Kind);

/// <summary>
/// What <see cref="ByteTracker.Update"/> made of one frame: each input detection's track (or none) and
/// the tracks that started, were confirmed or ended.
/// </summary>
public sealed class TrackerStep
{
    private static readonly TrackChange[] NoChanges = [];
    private readonly Track?[] _tracks;

    internal TrackerStep(Track?[] tracks, List<TrackChange>? changes)
    {
        _tracks = tracks;
        Changes = changes is null ? NoChanges : changes;
    }

    /// <summary>Number of input detections.</summary>
    public int Count => _tracks.Length;

    /// <summary>In the order they happened: ends of tracks unseen too long, starts, confirmations, ends of tentative tracks that missed this frame.</summary>
    public IReadOnlyList<TrackChange> Changes { get; }

    /// <summary>The track input detection <paramref name="detection"/> was matched to or started; null for none.</summary>
    public Track? TrackOf(int detection) => _tracks[detection];

    /// <summary>The id of <see cref="TrackOf"/>, or -1 for none.</summary>
    public int TrackIdOf(int detection) => _tracks[detection]?.Id ?? -1;
}

/// <summary>
/// A camera's multi-object tracker, after ByteTrack (Zhang et al., "ByteTrack: Multi-Object Tracking by
/// Associating Every Detection Box", ECCV 2022): each track has a constant-velocity Kalman filter on its
/// box (<see cref="KalmanBoxFilter"/>), and each frame's detections are matched to the tracks' predicted
/// boxes by IoU with an optimal assignment (<see cref="LinearAssignment"/>), in stages:
/// <list type="number">
/// <item>confident detections (score ≥ <see cref="TrackerSettings.HighScore"/>) with confirmed tracks, seen or lost (IoU ≥ <see cref="TrackerSettings.MatchIou"/>);</item>
/// <item>low-score detections (≥ <see cref="TrackerSettings.LowScore"/>) with the confirmed tracks left (IoU ≥ <see cref="TrackerSettings.LowScoreMatchIou"/>): this carries tracks through occlusion and motion blur;</item>
/// <item>the confident detections left with tentative tracks (IoU ≥ <see cref="TrackerSettings.TentativeMatchIou"/>);</item>
/// <item>the low-score detections left with the tentative tracks left (the same IoU): an object coming into view scores low at first; a tentative track matched nothing ends, as in ByteTrack;</item>
/// <item>the confident detections still left, scoring ≥ <see cref="TrackerSettings.NewTrackScore"/>, start tentative tracks, best
/// first, unless one overlaps a box that continued or started a track by <see cref="TrackerSettings.DuplicateIou"/> (the same object under another label).</item>
/// </list>
/// Labels are not kept apart: a detection of another label than the track's can continue it, at the cost
/// of <see cref="TrackerSettings.OtherLabelPenalty"/> in IoU, and a track's label is the score-weighted
/// vote of its detections (<see cref="Track.Label"/>), so a frame where the model names an object wrongly
/// neither loses its track nor starts a second one. A lost track is matched by IoU of boxes widened by
/// <see cref="TrackerSettings.LostBuffer"/>. Tentative tracks come after confirmed ones (as in ByteTrack)
/// so that a new, possibly false track never takes a detection from an established one. A track is
/// confirmed after <see cref="TrackerSettings.ConfirmFrames"/> frames in a row with a median score ≥
/// <see cref="TrackerSettings.ConfirmScore"/>; a confirmed track unseen for <see cref="TrackerSettings.LostSeconds"/>
/// ends. Not thread-safe: one instance per camera, called from one thread.
/// </summary>
public sealed class ByteTracker
{
    private readonly TrackerSettings _settings;
    private readonly List<Track> _tracks = [];
    private readonly LinearAssignment _assignment = new();
    private readonly List<int> _rows = [], _columns = [], _high = [], _low = [];
    private readonly ScoreOrder _byScore = new();
    private double[] _cost = new double[64];
    private int[] _rowToColumn = new int[16];
    private int _nextId = 1;
    private DateTimeOffset? _lastFrame;
    private (int Width, int Height) _frameSize;
    private double _frameInterval; // seconds; 0 until two frames have been seen

    /// <summary>A tracker with <paramref name="settings"/>; throws <see cref="ArgumentException"/> with the first bad setting's line.</summary>
    public ByteTracker(TrackerSettings settings)
    {
        var errors = settings.Validate();
        if (errors.Count > 0) throw new ArgumentException(errors[0]);
        _settings = settings;
    }

    public TrackerSettings Settings => _settings;

    /// <summary>The tracks that have not ended: tentative, tracked and lost.</summary>
    public IReadOnlyList<Track> Tracks => _tracks;

    /// <summary>
    /// Tracks one frame taken at <paramref name="time"/>, <paramref name="width"/> x <paramref name="height"/>
    /// pixels, with its <paramref name="detections"/> (boxes in pixels of that frame; any score: below
    /// <see cref="TrackerSettings.LowScore"/> they are ignored). Times must not go back and the frame size
    /// must stay: when either happens (a restarted source) every track ends first. Each frame's predicted
    /// boxes move by the time since the last frame over the usual frame interval, so dropped or uneven
    /// frames are predicted as far as they really moved.
    /// </summary>
    public TrackerStep Update(DateTimeOffset time, int width, int height, IReadOnlyList<PixelDetection> detections)
    {
        List<TrackChange>? changes = null;
        if (_lastFrame is { } last && (time < last || (width, height) != _frameSize))
        {
            foreach (var t in EndAll()) (changes ??= []).Add(new TrackChange(t, TrackChangeKind.Ended));
        }
        double steps = Steps(time);
        _frameSize = (width, height);

        // Tracks unseen for the lost time are over before matching: a detection after that starts anew.
        for (int i = _tracks.Count - 1; i >= 0; i--)
        {
            var t = _tracks[i];
            if (t.IsConfirmed && (time - t.LastSeen).TotalSeconds >= _settings.LostSeconds) End(i, ref changes);
        }
        foreach (var t in _tracks) t.Predict(steps);

        var assigned = new Track?[detections.Count];
        _high.Clear();
        _low.Clear();
        for (int d = 0; d < detections.Count; d++)
        {
            float score = detections[d].Score;
            if (score >= _settings.HighScore) _high.Add(d);
            else if (score >= _settings.LowScore) _low.Add(d);
        }

        // 1. Confident detections with confirmed tracks.
        _rows.Clear();
        for (int i = 0; i < _tracks.Count; i++) if (_tracks[i].IsConfirmed) _rows.Add(i);
        Associate(_high, _settings.MatchIou, detections, assigned, time, ref changes);

        // 2. Low-score detections with the confirmed tracks left.
        _rows.Clear();
        for (int i = 0; i < _tracks.Count; i++) if (_tracks[i].IsConfirmed && !_tracks[i].SeenInLatestFrame) _rows.Add(i);
        Associate(_low, _settings.LowScoreMatchIou, detections, assigned, time, ref changes);

        // 3. The confident detections left with tentative tracks.
        _rows.Clear();
        for (int i = 0; i < _tracks.Count; i++) if (!_tracks[i].IsConfirmed) _rows.Add(i);
        Associate(_high, _settings.TentativeMatchIou, detections, assigned, time, ref changes);

        // 4. Low-score detections with the tentative tracks left: an object coming into view scores low at
        // first, and its track should not end before it is confirmed.
        _rows.Clear();
        for (int i = 0; i < _tracks.Count; i++) if (!_tracks[i].IsConfirmed && !_tracks[i].SeenInLatestFrame) _rows.Add(i);
        Associate(_low, _settings.TentativeMatchIou, detections, assigned, time, ref changes);

        for (int i = _tracks.Count - 1; i >= 0; i--)
        {
            var t = _tracks[i];
            if (t.SeenInLatestFrame) continue;
            if (t.IsConfirmed) t.State = TrackState.Lost;
            else End(i, ref changes);
        }

        // 5. The confident detections still left start tentative tracks, best first, unless they duplicate a
        // box that continued or started a track: per-class NMS leaves a box of another label on the same object.
        _byScore.Detections = detections;
        _high.Sort(_byScore);
        _byScore.Detections = [];
        foreach (int d in _high)
        {
            var det = detections[d];
            if (assigned[d] is not null || det.Score < _settings.NewTrackScore || DuplicatesATrackedBox(det, detections, assigned)) continue;
            var t = new Track(_nextId++, det, time, _settings.ScoreHistory, _settings.LabelHalfLifeSeconds) { State = TrackState.Tentative };
            _tracks.Add(t);
            assigned[d] = t;
            (changes ??= []).Add(new TrackChange(t, TrackChangeKind.Started));
            ConfirmIfReady(t, ref changes);
        }

        _lastFrame = time;
        return new TrackerStep(assigned, changes);
    }

    /// <summary>Ends every track (the source stopped or restarted) and returns them, now <see cref="TrackState.Ended"/>.</summary>
    public IReadOnlyList<Track> EndAll()
    {
        var ended = _tracks.ToArray();
        foreach (var t in ended) t.State = TrackState.Ended;
        _tracks.Clear();
        _lastFrame = null;
        _frameInterval = 0;
        return ended;
    }

    // Kalman steps since the last frame: the time since it over the usual frame interval, which follows
    // the source's rate (an average of the intervals, each limited to half to twice the average so that
    // one gap or burst barely moves it).
    private double Steps(DateTimeOffset time)
    {
        if (_lastFrame is not { } last) return 1;
        double elapsed = (time - last).TotalSeconds;
        if (elapsed <= 0) return 0;
        _frameInterval = _frameInterval <= 0
            ? elapsed
            : 0.9 * _frameInterval + 0.1 * Math.Clamp(elapsed, _frameInterval / 2, _frameInterval * 2);
        return elapsed / _frameInterval;
    }

    // Matches the tracks at _rows with the detections at candidates that no track has yet, by the least
    // total cost: 1 − IoU between predicted and detected boxes (widened by LostBuffer for a lost track),
    // plus OtherLabelPenalty where the detection's label is not the track's; a pair costing more than
    // 1 − minIou is never made.
    private void Associate(List<int> candidates, double minIou, IReadOnlyList<PixelDetection> detections, Track?[] assigned,
        DateTimeOffset time, ref List<TrackChange>? changes)
    {
        _columns.Clear();
        foreach (int d in candidates) if (assigned[d] is null) _columns.Add(d);
        int rows = _rows.Count, columns = _columns.Count;
        if (rows == 0 || columns == 0) return;
        if (_cost.Length < rows * columns) _cost = new double[Math.Max(rows * columns, 2 * _cost.Length)];
        if (_rowToColumn.Length < rows) _rowToColumn = new int[Math.Max(rows, 2 * _rowToColumn.Length)];
        double buffer = _settings.LostBuffer;

        for (int r = 0; r < rows; r++)
        {
            var t = _tracks[_rows[r]];
            var predicted = t.PredictedBox;
            bool lost = t.State == TrackState.Lost && buffer > 0;
            for (int c = 0; c < columns; c++)
            {
                var det = detections[_columns[c]];
                double iou = lost
                    ? predicted.Widened(buffer).Iou(CornerBox.PixelsOf(det).Widened(buffer))
                    : Ssd.Model.Boxes.Iou.Of(predicted.X1, predicted.Y1, predicted.X2, predicted.Y2, det.X1, det.Y1, det.X2, det.Y2);
                _cost[r * columns + c] = 1 - iou + (det.ClassId == t.ClassId ? 0 : _settings.OtherLabelPenalty);
            }
        }
        if (_assignment.SolveWithLimit(_cost.AsSpan(0, rows * columns), rows, columns, 1 - minIou, _rowToColumn) == 0) return;

        for (int r = 0; r < rows; r++)
        {
            int c = _rowToColumn[r];
            if (c < 0) continue;
            var t = _tracks[_rows[r]];
            int d = _columns[c];
            t.Hit(detections[d], time);
            assigned[d] = t;
            if (t.IsConfirmed) t.State = TrackState.Tracked;
            else ConfirmIfReady(t, ref changes);
        }
    }

    // Whether det overlaps by DuplicateIou or more a detection of this frame that continued or started a track.
    private bool DuplicatesATrackedBox(PixelDetection det, IReadOnlyList<PixelDetection> detections, Track?[] assigned)
    {
        for (int d = 0; d < detections.Count; d++)
        {
            if (assigned[d] is null) continue;
            var other = detections[d];
            if (Ssd.Model.Boxes.Iou.Of(det.X1, det.Y1, det.X2, det.Y2, other.X1, other.Y1, other.X2, other.Y2) >= _settings.DuplicateIou) return true;
        }
        return false;
    }

    /// <summary>Indices of detections, highest score first (then in input order).</summary>
    private sealed class ScoreOrder : IComparer<int>
    {
        public IReadOnlyList<PixelDetection> Detections { get; set; } = [];

        public int Compare(int a, int b)
        {
            int byScore = Detections[b].Score.CompareTo(Detections[a].Score);
            return byScore != 0 ? byScore : a.CompareTo(b);
        }
    }

    private void ConfirmIfReady(Track t, ref List<TrackChange>? changes)
    {
        if (t.Hits < _settings.ConfirmFrames || t.MedianScore < _settings.ConfirmScore) return;
        t.IsConfirmed = true;
        t.State = TrackState.Tracked;
        (changes ??= []).Add(new TrackChange(t, TrackChangeKind.Confirmed));
    }

    private void End(int index, ref List<TrackChange>? changes)
    {
        var t = _tracks[index];
        t.State = TrackState.Ended;
        _tracks.RemoveAt(index);
        (changes ??= []).Add(new TrackChange(t, TrackChangeKind.Ended));
    }
}
