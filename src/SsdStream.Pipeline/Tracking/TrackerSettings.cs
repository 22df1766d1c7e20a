using System.Globalization;

namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// A camera's tracker settings, bound as they are: each setting's default is here and nowhere else.
/// Times are in seconds, not frames, so that one set of defaults works from 5 to 30 frames per second;
/// scores are detection scores 0..1; IoU is intersection over union of boxes in pixels of the frame.
/// The score thresholds are the tracker's own: it needs detections below the publishing filter's
/// <c>MinScore</c> (<see cref="Processing.DetectionFilter"/>) to carry tracks through occlusion.
/// </summary>
public sealed record TrackerSettings
{
    /// <summary>Every setting at its default.</summary>
    public static TrackerSettings Default { get; } = new();

    /// <summary>
    /// Detections scoring at least this are confident: they are matched to tracks first (ByteTrack's
    /// first stage) and may start tracks. Default 0.5: ByteTrack's <c>track_thresh</c>, and the publishing
    /// filter's default <c>MinScore</c>.
    /// </summary>
    public float HighScore { get; init; } = 0.5f;

    /// <summary>
    /// Detections scoring at least this but less than <see cref="HighScore"/> only keep existing tracks
    /// alive (ByteTrack's second stage); below it they are ignored. Default 0.1, ByteTrack's.
    /// </summary>
    public float LowScore { get; init; } = 0.1f;

    /// <summary>
    /// A confident detection that matches no track starts a new (tentative) track when it scores at
    /// least this. Default 0.6: ByteTrack's <c>det_thresh</c> (<see cref="HighScore"/> + 0.1).
    /// </summary>
    public float NewTrackScore { get; init; } = 0.6f;

    /// <summary>
    /// The IoU a confident detection needs with a confirmed track's predicted box to be matched to it.
    /// Default 0.1, half ByteTrack's first-stage 0.2 (its <c>match_thresh</c> 0.8 is a cost, 1 - IoU), which
    /// is set for 30 fps: at 5 to 10 fps an object moves further between frames, and a track lost behind
    /// another object coasts on a velocity learnt while its visible box shrank, so the object often
    /// reappears overlapping the prediction by less than 0.2 and got a new id. The assignment still takes
    /// the best overlaps first, within a label. On synthetic videos (seeds 80001-80020, demo model, 10 fps)
    /// it cut ID switches from 13.4 to 11.5 per 100 objects.
    /// </summary>
    public double MatchIou { get; init; } = 0.1;

    /// <summary>
    /// What a detection of another label than the track's adds to the cost (1 - IoU) of matching it to the
    /// track. Detections of any label can continue a track, because a model often calls an object by a
    /// wrong label in a few frames (a circle a "ring" while half hidden): such a frame no longer loses the
    /// track or starts a second object on it. A detection of another label needs this much more IoU than
    /// one of the track's own, and where both overlap the track takes its own label's. Default 0.6: at the
    /// default IoUs another label needs 0.7 with a confident detection, and a low-score one never continues
    /// a track of another label. 1 or more: labels never mix (each label tracked on its own). The track's
    /// label is the vote of its detections' scores (<see cref="Track.Label"/>).
    /// </summary>
    public double OtherLabelPenalty { get; init; } = 0.6;

    /// <summary>
    /// How fast a track's label vote forgets: each detection votes for its label with its score, and every
    /// vote halves each this many seconds, so the label is what the object has mostly been called over the
    /// last several seconds (<see cref="Track.Label"/>). A frame or two of another label never turns it; an
    /// object that was called wrongly while it came into view, or a track that went on with another object
    /// where two crossed, is named rightly seconds later rather than after as long again. Default 5 s
    /// (whole-life votes: IDF1 0.906 instead of 0.909 on the tuning videos, and the same number of label
    /// changes to within one in 330 objects). 0: votes never fade.
    /// </summary>
    public double LabelHalfLifeSeconds { get; init; } = 5;

    /// <summary>
    /// A confident detection that matched no track does not start one when it overlaps by at least this IoU
    /// a detection of the same frame that continued or started a track: per-class NMS leaves boxes of
    /// several labels on one object, and the second one is that object again. Default 0.7.
    /// </summary>
    public double DuplicateIou { get; init; } = 0.7;

    /// <summary>
    /// While a track is lost (unmatched in the latest frame), its predicted box and each detection's box
    /// are widened by this share of their width and height on each side before their IoU is taken (the
    /// buffered IoU of C-BIoU, Yang et al., WACV 2023). An object that passed behind another comes out
    /// away from where the prediction drifted (its velocity was learnt while its visible box shrank), and
    /// plain IoU often found no overlap and gave it a new id. Default 0.4. 0: plain IoU.
    /// </summary>
    public double LostBuffer { get; init; } = 0.4;

    /// <summary>The IoU a low-score detection needs with a confirmed track's predicted box. Default 0.5, ByteTrack's second stage.</summary>
    public double LowScoreMatchIou { get; init; } = 0.5;

    /// <summary>The IoU a confident detection needs with a tentative track's predicted box. Default 0.3, ByteTrack's stage for unconfirmed tracks.</summary>
    public double TentativeMatchIou { get; init; } = 0.3;

    /// <summary>
    /// A track is confirmed (becomes an object) once it has been matched in at least this many frames
    /// in a row and the median of its recent scores reaches <see cref="ConfirmScore"/>. A tentative track
    /// that misses a frame ends, so with 2 or more a one-frame false detection never becomes an object.
    /// Default 4 (3 before): a box of another label that per-class NMS leaves beside an object for a
    /// frame or three no longer becomes an object. On the tuning videos (seeds 80001-80020, the demo model,
    /// 10 fps) 11 ID switches in 321 objects instead of 14, 1306 false positive boxes instead of 1361, for
    /// the same IDF1 (0.909); 5 gave 10 switches but lost more of each object's first frames (IDF1 0.907).
    /// </summary>
    public int ConfirmFrames { get; init; } = 4;

    /// <summary>How many of a track's latest scores the median is taken over. Default 10, as Frigate keeps.</summary>
    public int ScoreHistory { get; init; } = 10;

    /// <summary>
    /// The median of a track's recent scores needed to confirm it. Default 0.7, Frigate's default
    /// <c>threshold</c> (0.6 before): a second box with another label on the same object (which per-class
    /// NMS keeps) scores lower than the object's own, and at 0.6 it became an object of its own. On
    /// synthetic videos (seeds 80001-80020, demo model, 10 fps) it cut false positive boxes by 18%.
    /// </summary>
    public float ConfirmScore { get; init; } = 0.7f;

    /// <summary>
    /// A confirmed track not matched for this long ends (its object's <c>end</c>). Default 5 s (3 s before,
    /// 2 s at first): an object that passes behind another for up to 5 s keeps its id. While tracks were
    /// kept per label and matched by plain IoU, longer times kept lost tracks that picked up false
    /// detections; with duplicates suppressed and the widened boxes of <see cref="LostBuffer"/> they find
    /// their own object: on the tuning videos 11 ID switches in 321 objects instead of 15 with 3 s (14 with
    /// 4 s), IDF1 0.909 instead of 0.906, MOTA 0.890 instead of 0.892.
    /// </summary>
    public double LostSeconds { get; init; } = 5;

    /// <summary>
    /// An object is still while its box overlaps the average of its boxes since it stopped by at least
    /// this IoU; the same IoU against the last published box tells whether it has moved. Default 0.6.
    /// </summary>
    public double StationaryIou { get; init; } = 0.6;

    /// <summary>An object still for this long is stationary; moving again makes it active at once. Default 10 s.</summary>
    public double StationarySeconds { get; init; } = 10;

    /// <summary>
    /// An object that has merely moved gets an <c>update</c> at most this often; zone changes, stationary
    /// changes and a clearly better score are published at once. Default 5 s.
    /// </summary>
    public double UpdateThrottleSeconds { get; init; } = 5;

    /// <summary>How much an object's top score must rise over the last published one to be published at once. Default 0.05.</summary>
    public float BetterScoreMargin { get; init; } = 0.05f;

    /// <summary>The longest score history (each track keeps one of this length).</summary>
    public const int MaxScoreHistory = 1000;

    /// <summary>One line per bad setting, each naming the property; empty when all are good.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Fraction(nameof(HighScore), HighScore);
        Fraction(nameof(LowScore), LowScore);
        Fraction(nameof(NewTrackScore), NewTrackScore);
        Fraction(nameof(ConfirmScore), ConfirmScore);
        if (LowScore > HighScore) errors.Add($"{nameof(LowScore)} ({Show(LowScore)}) must not exceed {nameof(HighScore)} ({Show(HighScore)}).");
        if (NewTrackScore < HighScore) errors.Add($"{nameof(NewTrackScore)} ({Show(NewTrackScore)}) must be at least {nameof(HighScore)} ({Show(HighScore)}): only confident detections start tracks.");
        PositiveIou(nameof(MatchIou), MatchIou);
        PositiveIou(nameof(LowScoreMatchIou), LowScoreMatchIou);
        PositiveIou(nameof(TentativeMatchIou), TentativeMatchIou);
        PositiveIou(nameof(StationaryIou), StationaryIou);
        PositiveIou(nameof(DuplicateIou), DuplicateIou);
        if (!(OtherLabelPenalty >= 0 && double.IsFinite(OtherLabelPenalty))) errors.Add($"{nameof(OtherLabelPenalty)} must be 0 or more, not {Show(OtherLabelPenalty)}.");
        if (!(LostBuffer >= 0 && LostBuffer <= 2)) errors.Add($"{nameof(LostBuffer)} must be between 0 and 2, not {Show(LostBuffer)}.");
        if (ConfirmFrames < 1) errors.Add($"{nameof(ConfirmFrames)} must be at least 1, not {ConfirmFrames}.");
        if (ScoreHistory is < 1 or > MaxScoreHistory) errors.Add($"{nameof(ScoreHistory)} must be 1..{MaxScoreHistory}, not {ScoreHistory}.");
        Seconds(nameof(LostSeconds), LostSeconds, allowZero: false);
        Seconds(nameof(StationarySeconds), StationarySeconds, allowZero: false);
        Seconds(nameof(UpdateThrottleSeconds), UpdateThrottleSeconds, allowZero: true);
        Seconds(nameof(LabelHalfLifeSeconds), LabelHalfLifeSeconds, allowZero: true);
        if (!(BetterScoreMargin >= 0 && BetterScoreMargin <= 1)) errors.Add($"{nameof(BetterScoreMargin)} must be between 0 and 1, not {Show(BetterScoreMargin)}.");
        return errors;

        void Fraction(string name, float value)
        {
            if (!(value >= 0 && value <= 1)) errors.Add($"{name} must be between 0 and 1, not {Show(value)}.");
        }

        void PositiveIou(string name, double value)
        {
            if (!(value > 0 && value <= 1)) errors.Add($"{name} must be above 0 and at most 1, not {Show(value)}.");
        }

        void Seconds(string name, double value, bool allowZero)
        {
            if (!SettingLimits.IsDuration(value, allowZero)) errors.Add($"{name} must be {SettingLimits.DurationRule(allowZero)}, not {Show(value)}.");
        }
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Show(float value) => value.ToString(CultureInfo.InvariantCulture);
}
