using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking;

/// <summary>Where a track is in its life.</summary>
public enum TrackState
{
    /// <summary>Started, not yet confirmed; it ends the first frame it is not matched.</summary>
    Tentative,

    /// <summary>Confirmed and matched in the latest frame.</summary>
    Tracked,

    /// <summary>Confirmed, not matched in the latest frame; it ends once unseen for <see cref="TrackerSettings.LostSeconds"/>.</summary>
    Lost,

    /// <summary>Over; no longer in <see cref="ByteTracker.Tracks"/>.</summary>
    Ended,
}

/// <summary>
/// One track of a <see cref="ByteTracker"/>: the detections of one object over frames, with its Kalman
/// filter and recent scores. Read-only outside the tracker, which changes it on each update, so read
/// it on the tracker's thread.
/// </summary>
public sealed class Track
{
    private readonly KalmanBoxFilter _filter;
    private readonly float[] _scores;
    private int _scoreCount, _scoreNext;
    private readonly double _labelHalfLife;
    private LabelVote[] _votes = new LabelVote[2];
    private int _voteCount, _winner;
    private DateTimeOffset? _lastVote;

    /// <summary>One label's share of the vote: the faded sum of the scores of the track's detections with it.</summary>
    private struct LabelVote
    {
        public int ClassId;
        public string Label;
        public double Votes;
    }

    internal Track(int id, PixelDetection first, DateTimeOffset time, int scoreHistory, double labelHalfLifeSeconds)
    {
        Id = id;
        _labelHalfLife = labelHalfLifeSeconds;
        _filter = new KalmanBoxFilter(CornerBox.PixelsOf(first));
        _scores = new float[scoreHistory];
        FirstSeen = time;
        PredictedBox = CornerBox.PixelsOf(first);
        Record(first, time);
    }

    /// <summary>The tracker's number for it, unique within its tracker (1, 2, ...).</summary>
    public int Id { get; }

    /// <summary>
    /// The class its detections vote for: each detection adds its score to its label's votes, every vote
    /// fades by half each <see cref="TrackerSettings.LabelHalfLifeSeconds"/>, and the label with the most
    /// votes is the track's (the one held so far on a tie). Detections of any label can continue a track (a
    /// model may call a circle a square in some frames), so the label is a vote, not the first detection's:
    /// a few wrong frames do not turn it, seconds of another label do.
    /// </summary>
    public int ClassId => _votes[_winner].ClassId;

    /// <summary>The label of <see cref="ClassId"/>.</summary>
    public string Label => _votes[_winner].Label;

    /// <summary>The votes for <paramref name="classId"/> (0 for none): its detections' scores, faded to the time of the latest detection.</summary>
    public double VotesFor(int classId)
    {
        for (int i = 0; i < _voteCount; i++) if (_votes[i].ClassId == classId) return _votes[i].Votes;
        return 0;
    }

    public TrackState State { get; internal set; }

    /// <summary>Whether it was ever confirmed (stays true once it ends).</summary>
    public bool IsConfirmed { get; internal set; }

    /// <summary>Whether it was matched in the latest frame.</summary>
    public bool SeenInLatestFrame { get; private set; }

    /// <summary>The detection it was last matched to (its box in pixels and fractions of the frame, and score).</summary>
    public PixelDetection LastDetection { get; private set; } = null!;

    public DateTimeOffset FirstSeen { get; }

    public DateTimeOffset LastSeen { get; private set; }

    /// <summary>Frames it has been matched in.</summary>
    public int Hits { get; private set; }

    /// <summary>Where the Kalman filter expected it in the latest frame, corners in pixels.</summary>
    public CornerBox PredictedBox { get; private set; }

    /// <summary>The median of its latest <see cref="TrackerSettings.ScoreHistory"/> scores (mean of the middle two for an even count).</summary>
    public float MedianScore
    {
        get
        {
            Span<float> sorted = stackalloc float[_scoreCount];
            _scores.AsSpan(0, _scoreCount).CopyTo(sorted);
            sorted.Sort();
            int middle = _scoreCount / 2;
            return _scoreCount % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    internal void Predict(double steps)
    {
        SeenInLatestFrame = false;
        if (State == TrackState.Lost) _filter.StopHeightVelocity();
        _filter.Predict(steps);
        PredictedBox = _filter.Box;
    }

    internal void Hit(PixelDetection d, DateTimeOffset time)
    {
        _filter.Update(CornerBox.PixelsOf(d));
        Record(d, time);
    }

    private void Record(PixelDetection d, DateTimeOffset time)
    {
        SeenInLatestFrame = true;
        LastDetection = d;
        LastSeen = time;
        Hits++;
        _scores[_scoreNext] = d.Score;
        _scoreNext = (_scoreNext + 1) % _scores.Length;
        _scoreCount = Math.Min(_scoreCount + 1, _scores.Length);
        Vote(d, time);
    }

    // Adds d's score to its label's votes after every vote has faded by the time since the last one, and
    // picks the label with the most (the one held so far on a tie).
    private void Vote(PixelDetection d, DateTimeOffset time)
    {
        if (_lastVote is { } last && _labelHalfLife > 0)
        {
            double fade = Math.Pow(0.5, (time - last).TotalSeconds / _labelHalfLife);
            for (int k = 0; k < _voteCount; k++) _votes[k].Votes *= fade;
        }
        _lastVote = time;
        int i = 0;
        while (i < _voteCount && _votes[i].ClassId != d.ClassId) i++;
        if (i == _voteCount)
        {
            if (_voteCount == _votes.Length) Array.Resize(ref _votes, 2 * _votes.Length);
            _votes[_voteCount++] = new LabelVote { ClassId = d.ClassId, Label = d.Label };
        }
        _votes[i].Votes += d.Score;
        for (int k = 0; k < _voteCount; k++) if (_votes[k].Votes > _votes[_winner].Votes) _winner = k;
    }
}
