using SsdStream.Pipeline.Tracking.Evaluation;

namespace SsdStream.Pipeline.Tests.Tracking;

/// <summary>
/// Hand-worked cases. Unless told, one ground-truth person (class 1) stands at [0, 0, 10, 10] in frames
/// 1 to 4, and a box that coincides with it has IoU 1 at every threshold.
/// </summary>
public sealed class MotEvaluatorTests
{
    private static MotGroundTruthRow Gt(int frame, int id, double left = 0, bool consider = true, int classId = 1) =>
        new(frame, id, left, 0, 10, 10, consider, classId, 1);

    private static MotResultRow Res(int frame, int id, double left = 0, double height = 10, int classId = 1) =>
        new(frame, id, left, 0, 10, height, 1, classId);

    private static MotGroundTruthRow[] OnePerson => [Gt(1, 1), Gt(2, 1), Gt(3, 1), Gt(4, 1)];

    private static MotMetrics Evaluate(IReadOnlyList<MotGroundTruthRow> gt, IReadOnlyList<MotResultRow> results)
    {
        var evaluation = new MotEvaluator().Evaluate(gt, results);
        return evaluation.Overall;
    }

    [Fact]
    public void PerfectTracking_ScoresOne()
    {
        // Two people, tracked under other ids.
        MotGroundTruthRow[] gt = [.. OnePerson, Gt(1, 2, 50), Gt(2, 2, 50), Gt(3, 2, 50), Gt(4, 2, 50)];
        MotResultRow[] results = [.. Enumerable.Range(1, 4).SelectMany(f => new[] { Res(f, 7), Res(f, 9, 50) })];
        var m = Evaluate(gt, results);
        Assert.Equal((1.0, 1.0, 1.0, 1.0, 1.0, 1.0), (m.Mota, m.Motp, m.Idf1, m.Idp, m.Idr, m.Hota));
        Assert.Equal((0, 2, 0, 0), (m.IdSwitches, m.MostlyTracked, m.PartlyTracked, m.MostlyLost));
        Assert.Equal((8, 0, 0), (m.TruePositives, m.FalsePositives, m.FalseNegatives));
    }

    [Fact]
    public void OneIdSwitch()
    {
        // Result id 1 in frames 1-2, id 2 in frames 3-4.
        var m = Evaluate(OnePerson, [Res(1, 1), Res(2, 1), Res(3, 2), Res(4, 2)]);
        Assert.Equal(1, m.IdSwitches);
        Assert.Equal(0.75, m.Mota, 12); // (4 − 0 − 1) / 4
        Assert.Equal(1.0, m.Motp, 12);
        // The person is given one of the two ids, right in 2 of its 4 frames.
        Assert.Equal((0.5, 0.5, 0.5), (m.Idf1, m.Idp, m.Idr));
        // DetA 1; each id aligns 2 / (4 + 2 − 2) = 0.5 with the person, AssA = (2·0.5 + 2·0.5) / 4.
        Assert.Equal(1.0, m.DetA, 12);
        Assert.Equal(0.5, m.AssA, 12);
        Assert.Equal(Math.Sqrt(0.5), m.Hota, 12);
        Assert.Equal(1, m.MostlyTracked);
    }

    [Fact]
    public void OneFalsePositive()
    {
        // Tracked throughout, plus a box far away in frame 2.
        var m = Evaluate(OnePerson, [Res(1, 1), Res(2, 1), Res(2, 2, left: 100), Res(3, 1), Res(4, 1)]);
        Assert.Equal((4, 1, 0, 0), (m.TruePositives, m.FalsePositives, m.FalseNegatives, m.IdSwitches));
        Assert.Equal(0.75, m.Mota, 12); // (4 − 1) / 4
        Assert.Equal(4 / 4.5, m.Idf1, 12); // IDTP 4, IDFP 1, IDFN 0
        Assert.Equal(0.8, m.Idp, 12);
        Assert.Equal(1.0, m.Idr, 12);
        Assert.Equal(0.8, m.DetA, 12); // 4 / (4 + 1)
        Assert.Equal(1.0, m.AssA, 12);
        Assert.Equal(Math.Sqrt(0.8), m.Hota, 12);
    }

    [Fact]
    public void OneMiss()
    {
        // Not found in frame 3; the same id before and after is no switch.
        var m = Evaluate(OnePerson, [Res(1, 1), Res(2, 1), Res(4, 1)]);
        Assert.Equal((3, 0, 1, 0), (m.TruePositives, m.FalsePositives, m.FalseNegatives, m.IdSwitches));
        Assert.Equal(0.75, m.Mota, 12);
        Assert.Equal(3 / 3.5, m.Idf1, 12);
        Assert.Equal((1.0, 0.75), (m.Idp, m.Idr));
        // DetA 3/4; alignment 3 / (4 + 3 − 3) = 0.75, AssA = 3·0.75 / 3.
        Assert.Equal(0.75, m.DetA, 12);
        Assert.Equal(0.75, m.AssA, 12);
        Assert.Equal(0.75, m.Hota, 12);
        // Matched in 3 of 4 frames: 75% is partly tracked (mostly tracked needs more than 80%).
        Assert.Equal((0, 1, 0), (m.MostlyTracked, m.PartlyTracked, m.MostlyLost));
    }

    [Fact]
    public void ConsiderZeroRows_AreIgnored_WithTheResultsOnThem()
    {
        // A second person, mostly outside the frame (consider 0) in frames 1-2, is tracked as id 5: no
        // false positive. A box beside it (IoU 1/3 < 0.5) is not on it and stays a false positive.
        MotGroundTruthRow[] gt = [.. OnePerson, Gt(1, 2, 50, consider: false), Gt(2, 2, 50, consider: false)];
        MotResultRow[] results = [Res(1, 1), Res(2, 1), Res(3, 1), Res(4, 1), Res(1, 5, 50), Res(2, 5, 50), Res(2, 6, 55)];
        var m = Evaluate(gt, results);
        Assert.Equal((4, 1, 0), (m.TruePositives, m.FalsePositives, m.FalseNegatives));
        Assert.Equal((1, 4, 5), (m.GroundTruthIds, m.GroundTruthBoxes, m.ResultBoxes));
        Assert.Equal(0.75, m.Mota, 12);

        var withoutTheStray = Evaluate(gt, results[..^1]);
        Assert.Equal((1.0, 1.0, 1.0), (withoutTheStray.Mota, withoutTheStray.Idf1, withoutTheStray.Hota));
    }

    [Fact]
    public void Clear_KeepsTheContinuingMatch_OverABetterOverlap()
    {
        // Frame 1: id 1 at IoU 0.9. Frame 2: id 1 at IoU 0.6 and id 2 at IoU 0.95: keeping id 1 is no switch.
        MotGroundTruthRow[] gt = [Gt(1, 1), Gt(2, 1)];
        var m = Evaluate(gt, [Res(1, 1, height: 9), Res(2, 1, height: 6), Res(2, 2, height: 9.5)]);
        Assert.Equal((0, 2, 1), (m.IdSwitches, m.TruePositives, m.FalsePositives));
        Assert.Equal(0.75, m.Motp, 12); // (0.9 + 0.6) / 2
    }

    [Fact]
    public void Hota_MatchesByAlignmentOverTheSequence_NotByTheFramesBestOverlap()
    {
        // Id 1 follows the person throughout (IoU 0.62 in frame 3); id 2 appears in frame 3 only, at IoU
        // 0.95. Id 1 aligns far better with the person over the sequence, so frame 3 pairs it with id 1.
        MotResultRow[] results = [Res(1, 1), Res(2, 1), Res(3, 1, height: 6.2), Res(3, 2, height: 9.5), Res(4, 1)];
        var m = Evaluate(OnePerson, results);
        // α ≤ 0.60 (12 thresholds): TP 4, FP 1, DetA 0.8, AssA 1. α ≥ 0.65 (7): TP 3, FN 1, FP 2, DetA 0.5,
        // AssA 3/(4 + 4 − 3) = 0.6.
        Assert.Equal((12 * Math.Sqrt(0.8) + 7 * Math.Sqrt(0.5 * 0.6)) / 19, m.Hota, 12);
        Assert.Equal((12 * 1 + 7 * 0.6) / 19, m.AssA, 12);
        Assert.Equal((12 * 0.8 + 7 * 0.5) / 19, m.DetA, 12);
    }

    [Fact]
    public void Classes_AreEvaluatedApart_AndSummedOverall()
    {
        // Class 1 tracked perfectly; class 2 missed entirely.
        MotGroundTruthRow[] gt = [.. OnePerson, .. Enumerable.Range(1, 4).Select(f => Gt(f, 2, 50, classId: 2))];
        var evaluation = new MotEvaluator().Evaluate(gt, [Res(1, 3), Res(2, 3), Res(3, 3), Res(4, 3)]);
        Assert.Equal([1, 2], evaluation.PerClass.Keys);
        Assert.Equal(1.0, evaluation.PerClass[1].Mota);
        Assert.Equal((0.0, 1), (evaluation.PerClass[2].Mota, evaluation.PerClass[2].MostlyLost));
        var m = evaluation.Overall;
        Assert.Equal(0.5, m.Mota, 12);
        Assert.Equal(4 / 6.0, m.Idf1, 12); // IDTP 4, IDFN 4
        Assert.Equal(Math.Sqrt(0.5), m.Hota, 12); // DetA 4/8, AssA 1
        Assert.Equal((1, 0, 1), (m.MostlyTracked, m.PartlyTracked, m.MostlyLost));
    }

    [Fact]
    public void NoResults_MissEverything()
    {
        var m = Evaluate(OnePerson, []);
        Assert.Equal((0.0, 0.0, 0.0, 4, 1), (m.Mota, m.Idf1, m.Hota, m.FalseNegatives, m.MostlyLost));
    }

    [Fact]
    public void Files_AreReadInMotChallengeFormat()
    {
        var gt = MotFile.ReadGroundTruth(new StringReader("1,1,10,20,30,40,1,1,1.0\n\n2,1,12,20,30,40,0,3,0.1\n"), "gt.txt");
        Assert.Equal([new MotGroundTruthRow(1, 1, 10, 20, 30, 40, true, 1, 1.0), new MotGroundTruthRow(2, 1, 12, 20, 30, 40, false, 3, 0.1)], gt);
        var results = MotFile.ReadResults(new StringReader("1,7,10.5,20,30,40,0.9,3,-1,-1\n2,7,11,20,30,40\n"), "results.txt");
        Assert.Equal([new MotResultRow(1, 7, 10.5, 20, 30, 40, 0.9, 3), new MotResultRow(2, 7, 11, 20, 30, 40, 1, 1)], results);
    }

    [Theory]
    [InlineData("1,1,10,20,30,40,1", "gt.txt line 1: 7 columns; at least 8 expected.")]
    [InlineData("1,1,10,20,30,40,1,1\n2,1,x,20,30,40,1,1", "gt.txt line 2: column 3 ('x') is not a number.")]
    [InlineData("0,1,10,20,30,40,1,1", "gt.txt line 1: frame 0; frames count from 1.")]
    [InlineData("1,1.5,10,20,30,40,1,1", "gt.txt line 1: id (column 2) is 1.5, not a whole number.")]
    [InlineData("1,1,10,20,-30,40,1,1", "gt.txt line 1: width (column 5) is negative.")]
    public void BadLines_AreNamedInOneLine(string text, string message) =>
        Assert.Equal(message, Assert.Throws<MotFormatException>(() => MotFile.ReadGroundTruth(new StringReader(text), "gt.txt")).Message);

    [Fact]
    public void ResultWithoutAClass_IsRejected_WithWhatToWrite()
    {
        var e = Assert.Throws<MotFormatException>(() => MotFile.ReadResults(new StringReader("1,7,10,20,30,40,0.9,-1,-1,-1"), "r.txt"));
        Assert.Equal("r.txt line 1: class id -1 in column 8; write the class id the ground truth uses.", e.Message);
    }

    [Fact]
    public void IdTwiceInAFrame_IsRejected()
    {
        var e = Assert.Throws<MotFormatException>(() => new MotEvaluator().Evaluate(OnePerson, [Res(1, 1), Res(1, 1, 50)]));
        Assert.Equal("The results has id 1 twice in frame 1.", e.Message);
    }
}
