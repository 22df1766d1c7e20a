using System.Diagnostics;
using System.Text.Json;
using Ssd.Model.Evaluation;

namespace Ssd.Model.Tests;

/// <summary>
/// Pins <see cref="CocoEvaluator"/> to pycocotools through tests/fixtures/coco_eval (see its README for how
/// the numbers were produced and which conventions each part of the data exercises).
/// </summary>
public class CocoEvaluatorTests
{
    /// <summary>Tolerance for hand-computed expectations, which ignore the 1/(1+eps) of pycocotools' precision.</summary>
    private const double HandTolerance = 1e-12;

    private static JsonElement ReadFixture(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "coco_eval", name);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    /// <summary>A COCO ground-truth file and results list turned into the evaluator's inputs.</summary>
    private sealed record CocoInputs(long[] ImageIds, int[] CategoryIds, EvalGroundTruth[] GroundTruths, EvalDetection[] Detections)
    {
        public static CocoInputs Parse(JsonElement gt, JsonElement dets) => new(
            gt.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToArray(),
            gt.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()).ToArray(),
            gt.GetProperty("annotations").EnumerateArray().Select(a =>
            {
                var b = Box(a);
                return new EvalGroundTruth(a.GetProperty("image_id").GetInt64(), a.GetProperty("category_id").GetInt32(),
                    b[0], b[1], b[2], b[3], a.GetProperty("area").GetDouble(), a.GetProperty("iscrowd").GetInt32() != 0);
            }).ToArray(),
            dets.EnumerateArray().Select(d =>
            {
                var b = Box(d);
                return new EvalDetection(d.GetProperty("image_id").GetInt64(), d.GetProperty("category_id").GetInt32(),
                    b[0], b[1], b[2], b[3], d.GetProperty("score").GetDouble());
            }).ToArray());

        public CocoMetrics Evaluate() => CocoEvaluator.Evaluate(ImageIds, CategoryIds, GroundTruths, Detections);

        private static double[] Box(JsonElement annotation) =>
            annotation.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
    }

    private static CocoInputs MainInputs() => CocoInputs.Parse(ReadFixture("gt.json"), ReadFixture("dets.json"));

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static JsonElement SmallCase(string name) =>
        ReadFixture("small_cases.json").GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> SmallCaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var c in ReadFixture("small_cases.json").GetProperty("cases").EnumerateArray()) names.Add(c.GetProperty("name").GetString()!);
        return names;
    }

    /// <summary>Stats must be bit-identical: the pycocotools numbers are reproducible to the last ulp (README convention 21).</summary>
    private static void AssertStatsIdentical(double[] expected, CocoMetrics metrics)
    {
        Assert.Equal(12, metrics.Stats.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == metrics.Stats[i], $"stat {i}: expected {expected[i]:R}, got {metrics.Stats[i]:R}");
        }
    }

    [Fact]
    public void Evaluate_MainFixture_StatsAreBitIdenticalToPycocotools()
    {
        var expected = Doubles(ReadFixture("expected.json").GetProperty("stats"));

        var metrics = MainInputs().Evaluate();

        AssertStatsIdentical(expected, metrics);
        Assert.Equal(
            [metrics.AP, metrics.AP50, metrics.AP75, metrics.APSmall, metrics.APMedium, metrics.APLarge,
             metrics.AR1, metrics.AR10, metrics.AR100, metrics.ARSmall, metrics.ARMedium, metrics.ARLarge],
            metrics.Stats);
    }

    [Fact]
    public void Evaluate_MainFixture_SummaryIsPycocotoolsPrintout()
    {
        var lines = ReadFixture("expected.json").GetProperty("summary").EnumerateArray().Select(l => l.GetString());

        Assert.Equal(string.Join('\n', lines), MainInputs().Evaluate().Summary);
    }

    [Fact]
    public void Evaluate_MainFixture_ApPerCategoryMatchesPycocotools()
    {
        var perCategory = ReadFixture("expected.json").GetProperty("per_category").EnumerateArray()
            .ToDictionary(c => c.GetProperty("category_id").GetInt32(), c => c.GetProperty("AP_all").GetDouble());

        var metrics = MainInputs().Evaluate();

        Assert.Equal(perCategory.Keys.Order(), metrics.ApPerCategory.Keys.Order());
        foreach (var (category, ap) in perCategory) Assert.Equal(ap, metrics.ApPerCategory[category]);
    }

    [Theory]
    [MemberData(nameof(SmallCaseNames))]
    public void Evaluate_SmallCase_MatchesPycocotools(string name)
    {
        var c = SmallCase(name);

        var metrics = CocoInputs.Parse(c.GetProperty("gt"), c.GetProperty("dets")).Evaluate();

        AssertStatsIdentical(Doubles(c.GetProperty("stats")), metrics);
        Assert.Equal(string.Join('\n', c.GetProperty("summary").EnumerateArray().Select(l => l.GetString())), metrics.Summary);
    }

    [Fact]
    public void Params_AreBitIdenticalToPycocotools()
    {
        var p = ReadFixture("expected.json").GetProperty("params");

        Assert.Equal(Doubles(p.GetProperty("iouThrs")), CocoEvalParams.IouThresholds);
        Assert.Equal(Doubles(p.GetProperty("recThrs")), CocoEvalParams.RecallThresholds);
        Assert.Equal(p.GetProperty("maxDets").EnumerateArray().Select(v => v.GetInt32()), CocoEvalParams.MaxDets);
        Assert.Equal(p.GetProperty("areaRngLbl").EnumerateArray().Select(v => v.GetString()), CocoEvalParams.AreaRanges.Select(a => a.Label));
        Assert.Equal(p.GetProperty("areaRng").EnumerateArray().Select(Doubles),
            CocoEvalParams.AreaRanges.Select(a => new[] { a.Min, a.Max }));
    }

    private static EvalGroundTruth Gt(double x, double y, double w, double h, bool crowd = false, long image = 1, int category = 1) =>
        new(image, category, x, y, w, h, w * h, crowd);

    private static EvalDetection Det(double x, double y, double w, double h, double score, long image = 1, int category = 1) =>
        new(image, category, x, y, w, h, score);

    [Fact]
    public void Evaluate_TwoGroundTruthsOneHit_RecallIsHalf()
    {
        var metrics = CocoEvaluator.Evaluate([1], [1],
            [Gt(0, 0, 100, 100), Gt(300, 200, 100, 100)],
            [Det(0, 0, 100, 100, 0.9)]);

        Assert.Equal(0.5, metrics.AR1);
        Assert.Equal(0.5, metrics.AR100);
        Assert.Equal(0.5, metrics.ARLarge);
        // Precision 1 at recall points 0.00..0.50 (51 of 101), 0 beyond: recall never reaches them.
        Assert.Equal(51.0 / 101, metrics.AP, HandTolerance);
        Assert.Equal(51.0 / 101, metrics.AP50, HandTolerance);
        Assert.Equal(-1, metrics.APSmall);
        Assert.Equal(-1, metrics.ARMedium);
    }

    [Fact]
    public void Evaluate_CrowdRegion_AbsorbsDuplicateDetections()
    {
        // Three overlapping detections inside a crowd region, all scored above the one true positive. Each has
        // IoU 1 with the crowd (intersection over its own area) and is ignored; if the crowd could take only
        // one, the other two would be false positives ahead of the TP and AP would be 1/3.
        var metrics = CocoEvaluator.Evaluate([1], [1],
            [Gt(400, 50, 120, 120), new EvalGroundTruth(1, 1, 0, 0, 300, 300, 50000, IsCrowd: true)],
            [Det(10, 10, 50, 50, 0.95), Det(20, 20, 50, 50, 0.94), Det(15, 15, 40, 40, 0.93), Det(400, 50, 120, 120, 0.5)]);

        Assert.Equal(1, metrics.AP, HandTolerance);
        Assert.Equal(1, metrics.AR100);
        Assert.Equal(0, metrics.AR1); // the top detection is ignored but still uses up the budget of one
        Assert.Equal(1, metrics.AR10);
    }

    [Fact]
    public void Evaluate_DetectionPrefersCountedGroundTruthOverBetterCrowdOverlap()
    {
        // The detection lies wholly inside the crowd region (IoU 1) and has IoU 7500/12500 = 0.6 with the regular
        // GT; the crowd is listed first. At thresholds 0.50..0.60 the regular GT wins despite the lower IoU
        // (counted GTs are scanned first and the scan stops at the ignored ones): TP. Above 0.6 only the crowd
        // qualifies: ignored, not FP. So recall is 1 at 3 of 10 thresholds and precision never drops.
        var metrics = CocoEvaluator.Evaluate([1], [1],
            [new EvalGroundTruth(1, 1, 0, 0, 300, 300, 90000, IsCrowd: true), Gt(100, 100, 100, 100)],
            [Det(125, 100, 100, 100, 0.9)]);

        Assert.Equal(0.3, metrics.AR100, HandTolerance);
        Assert.Equal(0.3, metrics.AP, HandTolerance);
        Assert.Equal(1, metrics.AP50, HandTolerance);
        Assert.Equal(0, metrics.AP75);
    }

    [Fact]
    public void Evaluate_FiveThousandImagesOfHundredDetections_FinishesWithinAMinute()
    {
        // COCO val size: 5000 images, 80 categories, 100 detections each. Every image has one medium GT, hit
        // exactly at score 0.9; its other 99 detections are misses scored below 0.9 (one in 80 of them of the
        // GT's category). All TPs rank first in every category, so AP and AR are 1. Work quadratic in the
        // number of detections would take hours here; the per-(image, category) evaluation takes seconds.
        const int images = 5000, categories = 80;
        var gts = new List<EvalGroundTruth>();
        var dets = new List<EvalDetection>();
        var rng = new Random(5);
        for (int i = 0; i < images; i++)
        {
            int category = i % categories + 1;
            gts.Add(Gt(10, 10, 50, 50, image: i, category: category));
            dets.Add(Det(10, 10, 50, 50, 0.9, image: i, category: category));
            for (int d = 0; d < 99; d++)
            {
                dets.Add(Det(200 + rng.Next(300), 200 + rng.Next(300), 5 + rng.Next(150), 5 + rng.Next(150),
                    Math.Round(rng.NextDouble() * 0.89, 2), image: i, category: rng.Next(categories) + 1));
            }
        }

        var clock = Stopwatch.StartNew();
        var metrics = CocoEvaluator.Evaluate(Enumerable.Range(0, images).Select(i => (long)i), Enumerable.Range(1, categories), gts, dets);
        clock.Stop();

        Assert.Equal(1, metrics.AP, HandTolerance);
        Assert.Equal(1, metrics.APMedium, HandTolerance);
        Assert.Equal(-1, metrics.APSmall);
        Assert.Equal(1, metrics.AR1);
        Assert.Equal(1, metrics.AR100);
        Assert.All(metrics.ApPerCategory.Values, ap => Assert.Equal(1, ap, HandTolerance));
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Evaluate_NoDetections_ApIsZeroWhereGroundTruthExists()
    {
        var metrics = CocoEvaluator.Evaluate([1, 2], [1, 2], [Gt(0, 0, 100, 100)], []);

        Assert.Equal([0.0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1, 0], metrics.Stats);
        Assert.Equal(0, metrics.ApPerCategory[1]);
        Assert.Equal(-1, metrics.ApPerCategory[2]);
        Assert.EndsWith("maxDets=100 ] = 0.000", metrics.Summary.Split('\n')[0]);
    }

    [Fact]
    public void Evaluate_NoGroundTruth_EveryStatIsMinusOne()
    {
        var metrics = CocoEvaluator.Evaluate([1], [1], [], [Det(0, 0, 10, 10, 0.9)]);

        Assert.All(metrics.Stats, s => Assert.Equal(-1, s));
        Assert.Equal(-1, metrics.ApPerCategory[1]);
        Assert.All(metrics.Summary.Split('\n'), line => Assert.EndsWith(" = -1.000", line));
    }

    [Fact]
    public void Evaluate_DetectionOfUnknownCategory_IsDropped()
    {
        EvalGroundTruth[] gts = [Gt(0, 0, 100, 100)];
        EvalDetection hit = Det(0, 0, 100, 100, 0.5);

        var without = CocoEvaluator.Evaluate([1], [1], gts, [hit]);
        var with = CocoEvaluator.Evaluate([1], [1], gts, [Det(0, 0, 100, 100, 0.9, category: 5), Det(200, 200, 50, 50, 0.8, category: 5), hit]);

        Assert.Equal(without.Stats, with.Stats);
        Assert.Equal([1], with.ApPerCategory.Keys);
    }

    [Fact]
    public void Evaluate_DetectionOnUnknownImage_Throws()
    {
        // Also when its category is unknown: pycocotools checks image ids before it filters categories.
        Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate([1], [1], [Gt(0, 0, 10, 10)], [Det(0, 0, 10, 10, 0.5, image: 2)]));
        Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate([1], [1], [], [Det(0, 0, 10, 10, 0.5, image: 2, category: 9)]));
    }

    [Fact]
    public void Evaluate_GroundTruthOutsideTheIdLists_Throws()
    {
        Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate([1], [1], [Gt(0, 0, 10, 10, image: 2)], []));
        Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate([1], [1], [Gt(0, 0, 10, 10, category: 2)], []));
    }

    [Fact]
    public void Evaluate_NaNScore_Throws()
    {
        Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate([1], [1], [Gt(0, 0, 10, 10)], [Det(0, 0, 10, 10, double.NaN)]));
    }
}
