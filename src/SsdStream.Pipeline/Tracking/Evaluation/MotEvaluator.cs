namespace SsdStream.Pipeline.Tracking.Evaluation;

/// <summary>
/// Evaluates tracking results against MOT Challenge ground truth, per class and over all classes, with
/// the metrics as TrackEval (github.com/JonathonLuiten/TrackEval) defines them:
/// <list type="bullet">
/// <item>CLEAR (MOTA, MOTP, ID switches, MT/PT/ML): in each frame an optimal assignment of ground truth
/// to results with IoU ≥ 0.5 that first keeps the pairs of the previous frame and then maximises the IoU;
/// an id switch is a ground-truth object matched to another result id than when it was last matched;</item>
/// <item>Identity (IDF1, IDP, IDR): one optimal one-to-one assignment of ground-truth ids to result ids over
/// the whole sequence, maximising the frames in which the pair overlaps with IoU ≥ 0.5;</item>
/// <item>HOTA: for each IoU threshold α in 0.05..0.95, per frame an assignment that maximises IoU weighted by
/// how well the two ids align over the sequence; sqrt(DetA·AssA), averaged over α.</item>
/// </list>
/// Ground-truth rows with <c>consider</c> 0 are ignored, and so are the results they match (IoU ≥ 0.5,
/// optimal assignment against all of the frame's ground truth of that class), so that tracking a hidden or
/// mostly outside object is neither a miss nor a false positive. (TrackEval's MOT preprocessing removes the
/// results matched to ground truth of its distractor classes; our ground truth marks such objects with
/// <c>consider</c> 0 instead.) Each class is evaluated on its own rows; the overall figures sum the classes'
/// counts (TrackEval's detection-averaged combination).
/// </summary>
public sealed class MotEvaluator
{
    /// <summary>IoU a pair needs to match in CLEAR and Identity metrics, and for a result to sit on ignored ground truth.</summary>
    public const double MatchIou = 0.5;

    private const double Epsilon = 2.220446049250313e-16; // NumPy's float64 eps, TrackEval's tolerance

    private readonly LinearAssignment _assignment = new();

    /// <summary>Evaluates <paramref name="results"/> against <paramref name="groundTruth"/>; throws <see cref="MotFormatException"/> when an id appears twice in a frame.</summary>
    public MotEvaluation Evaluate(IReadOnlyList<MotGroundTruthRow> groundTruth, IReadOnlyList<MotResultRow> results)
    {
        CheckUniqueIds(groundTruth.Select(r => (r.Frame, r.Id)), "ground truth");
        CheckUniqueIds(results.Select(r => (r.Frame, r.Id)), "results");
        var classes = groundTruth.Select(r => r.ClassId).Concat(results.Select(r => r.ClassId)).Distinct().Order().ToList();
        var perClass = new SortedDictionary<int, MotMetrics>();
        var overall = new MotCounts();
        foreach (int c in classes)
        {
            var frames = Prepare(groundTruth.Where(r => r.ClassId == c).ToList(), results.Where(r => r.ClassId == c).ToList(), out int gtIds, out int resultIds);
            var counts = new MotCounts { GtIds = gtIds };
            foreach (var f in frames)
            {
                counts.GtBoxes += f.Gt.Length;
                counts.ResultBoxes += f.Results.Length;
            }
            Clear(frames, gtIds, counts);
            Identity(frames, gtIds, resultIds, counts);
            Hota(frames, gtIds, resultIds, counts);
            perClass[c] = counts.ToMetrics();
            overall.Add(counts);
        }
        return new MotEvaluation(perClass, overall.ToMetrics());
    }

    /// <summary>One frame of one class after preprocessing: ids numbered from 0, IoU as [gt, result] row-major.</summary>
    private sealed record FrameData(int[] Gt, int[] Results, double[] Iou);

    private static void CheckUniqueIds(IEnumerable<(int Frame, int Id)> rows, string what)
    {
        var seen = new HashSet<(int, int)>();
        foreach (var key in rows)
            if (!seen.Add(key)) throw new MotFormatException($"The {what} has id {key.Id} twice in frame {key.Frame}.");
    }

    // Drops consider-0 ground truth and the results matched to it, and numbers the ids from 0.
    private List<FrameData> Prepare(List<MotGroundTruthRow> gt, List<MotResultRow> results, out int gtIds, out int resultIds)
    {
        var gtByFrame = gt.ToLookup(r => r.Frame);
        var resultsByFrame = results.ToLookup(r => r.Frame);
        var gtIdMap = new Dictionary<int, int>();
        var resultIdMap = new Dictionary<int, int>();
        var frames = new List<FrameData>();
        foreach (int frame in gt.Select(r => r.Frame).Concat(results.Select(r => r.Frame)).Distinct().Order())
        {
            var g = gtByFrame[frame].ToList();
            var r = resultsByFrame[frame].ToList();
            var iou = new double[g.Count * r.Count];
            for (int i = 0; i < g.Count; i++)
                for (int j = 0; j < r.Count; j++)
                    iou[i * r.Count + j] = BoxIou(g[i].Left, g[i].Top, g[i].Width, g[i].Height, r[j].Left, r[j].Top, r[j].Width, r[j].Height);

            var removed = new bool[r.Count];
            if (g.Any(x => !x.Consider) && r.Count > 0)
            {
                var score = new double[iou.Length];
                for (int k = 0; k < iou.Length; k++) score[k] = iou[k] < MatchIou - Epsilon ? 0 : -iou[k];
                var match = new int[g.Count];
                _assignment.Solve(score, g.Count, r.Count, match);
                for (int i = 0; i < g.Count; i++)
                    if (match[i] >= 0 && -score[i * r.Count + match[i]] > Epsilon && !g[i].Consider) removed[match[i]] = true;
            }

            var keptGt = Enumerable.Range(0, g.Count).Where(i => g[i].Consider).ToArray();
            var keptResults = Enumerable.Range(0, r.Count).Where(j => !removed[j]).ToArray();
            var keptIou = new double[keptGt.Length * keptResults.Length];
            for (int i = 0; i < keptGt.Length; i++)
                for (int j = 0; j < keptResults.Length; j++)
                    keptIou[i * keptResults.Length + j] = iou[keptGt[i] * r.Count + keptResults[j]];
            frames.Add(new FrameData(
                keptGt.Select(i => Number(gtIdMap, g[i].Id)).ToArray(),
                keptResults.Select(j => Number(resultIdMap, r[j].Id)).ToArray(),
                keptIou));
        }
        gtIds = gtIdMap.Count;
        resultIds = resultIdMap.Count;
        return frames;

        static int Number(Dictionary<int, int> map, int id)
        {
            if (!map.TryGetValue(id, out int n)) map[id] = n = map.Count;
            return n;
        }
    }

    /// <summary>IoU of boxes [left, top, width, height] in pixels; 0 when either is empty (TrackEval's rule).</summary>
    private static double BoxIou(double l1, double t1, double w1, double h1, double l2, double t2, double w2, double h2)
    {
        double iw = Math.Max(Math.Min(l1 + w1, l2 + w2) - Math.Max(l1, l2), 0);
        double ih = Math.Max(Math.Min(t1 + h1, t2 + h2) - Math.Max(t1, t2), 0);
        double a1 = w1 * h1, a2 = w2 * h2, inter = iw * ih;
        double union = a1 + a2 - inter;
        if (a1 <= Epsilon || a2 <= Epsilon || union <= Epsilon) return 0;
        return inter / union;
    }

    private void Clear(List<FrameData> frames, int gtIds, MotCounts counts)
    {
        var gtSeen = new int[gtIds];
        var gtMatched = new int[gtIds];
        var lastResult = new int[gtIds]; // result id it was last matched to, in any earlier frame; -1 for none
        var previousFrameResult = new int[gtIds]; // result id it was matched to in the previous frame with boxes
        Array.Fill(lastResult, -1);
        Array.Fill(previousFrameResult, -1);
        foreach (var f in frames)
        {
            int g = f.Gt.Length, r = f.Results.Length;
            if (g == 0) { counts.Fp += r; continue; }
            if (r == 0)
            {
                counts.Fn += g;
                foreach (int id in f.Gt) gtSeen[id]++;
                continue;
            }
            // Keep last frame's pairs first (1000 outweighs any IoU), then the most overlap.
            var score = new double[g * r];
            for (int i = 0; i < g; i++)
                for (int j = 0; j < r; j++)
                {
                    double iou = f.Iou[i * r + j];
                    score[i * r + j] = iou < MatchIou - Epsilon ? 0 : -((f.Results[j] == previousFrameResult[f.Gt[i]] ? 1000 : 0) + iou);
                }
            var match = new int[g];
            _assignment.Solve(score, g, r, match);

            Array.Fill(previousFrameResult, -1);
            int matches = 0;
            for (int i = 0; i < g; i++)
            {
                int gtId = f.Gt[i];
                gtSeen[gtId]++;
                int j = match[i];
                if (j < 0 || -score[i * r + j] <= Epsilon) continue;
                int resultId = f.Results[j];
                if (lastResult[gtId] >= 0 && lastResult[gtId] != resultId) counts.IdSwitches++;
                lastResult[gtId] = resultId;
                previousFrameResult[gtId] = resultId;
                gtMatched[gtId]++;
                counts.MotpSum += f.Iou[i * r + j];
                matches++;
            }
            counts.Tp += matches;
            counts.Fn += g - matches;
            counts.Fp += r - matches;
        }
        for (int id = 0; id < gtIds; id++)
        {
            if (gtSeen[id] == 0) continue;
            double ratio = (double)gtMatched[id] / gtSeen[id];
            if (ratio > 0.8) counts.Mt++;
            else if (ratio >= 0.2) counts.Pt++;
        }
        counts.Ml = gtIds - counts.Mt - counts.Pt;
    }

    // TrackEval solves a square (gt ids + result ids) problem whose cost is each assignment's IDFN + IDFP.
    // For a matching M that is Σ gt boxes + Σ result boxes − 2·Σ_M overlaps, so the same assignment
    // maximises the frames each matched pair overlaps: solved here on the smaller gt x result matrix.
    private void Identity(List<FrameData> frames, int gtIds, int resultIds, MotCounts counts)
    {
        double gtBoxes = frames.Sum(f => f.Gt.Length), resultBoxes = frames.Sum(f => f.Results.Length);
        if (gtIds == 0 || resultIds == 0)
        {
            counts.IdFn = gtBoxes;
            counts.IdFp = resultBoxes;
            return;
        }
        var overlaps = new double[gtIds * resultIds];
        foreach (var f in frames)
            for (int i = 0; i < f.Gt.Length; i++)
                for (int j = 0; j < f.Results.Length; j++)
                    if (f.Iou[i * f.Results.Length + j] >= MatchIou) overlaps[f.Gt[i] * resultIds + f.Results[j]]++;
        var cost = new double[overlaps.Length];
        for (int k = 0; k < cost.Length; k++) cost[k] = -overlaps[k];
        var match = new int[gtIds];
        _assignment.Solve(cost, gtIds, resultIds, match);
        double tp = 0;
        for (int g = 0; g < gtIds; g++) if (match[g] >= 0) tp += overlaps[g * resultIds + match[g]];
        counts.IdTp = tp;
        counts.IdFn = gtBoxes - tp;
        counts.IdFp = resultBoxes - tp;
    }

    private void Hota(List<FrameData> frames, int gtIds, int resultIds, MotCounts counts)
    {
        var alphas = MotCounts.Alphas;
        var gtCount = new double[gtIds];
        var resultCount = new double[resultIds];
        // Σ over frames of each pair's IoU normalised by the frame's other overlaps of both (TrackEval's potential matches).
        var potential = new Dictionary<(int, int), double>();
        foreach (var f in frames)
        {
            int g = f.Gt.Length, r = f.Results.Length;
            foreach (int id in f.Gt) gtCount[id]++;
            foreach (int id in f.Results) resultCount[id]++;
            if (g == 0 || r == 0) continue;
            var rowSum = new double[g];
            var columnSum = new double[r];
            for (int i = 0; i < g; i++)
                for (int j = 0; j < r; j++)
                {
                    rowSum[i] += f.Iou[i * r + j];
                    columnSum[j] += f.Iou[i * r + j];
                }
            for (int i = 0; i < g; i++)
                for (int j = 0; j < r; j++)
                {
                    double iou = f.Iou[i * r + j];
                    double denominator = rowSum[i] + columnSum[j] - iou;
                    if (denominator <= Epsilon || iou == 0) continue;
                    var key = (f.Gt[i], f.Results[j]);
                    potential[key] = potential.GetValueOrDefault(key) + iou / denominator;
                }
        }

        var matchCounts = new Dictionary<(int, int), int[]>();
        foreach (var f in frames)
        {
            int g = f.Gt.Length, r = f.Results.Length;
            if (g == 0 || r == 0)
            {
                for (int a = 0; a < alphas.Length; a++) { counts.HotaFp[a] += r; counts.HotaFn[a] += g; }
                continue;
            }
            var cost = new double[g * r];
            for (int i = 0; i < g; i++)
                for (int j = 0; j < r; j++)
                {
                    int gt = f.Gt[i], result = f.Results[j];
                    double p = potential.GetValueOrDefault((gt, result));
                    double alignment = p / (gtCount[gt] + resultCount[result] - p);
                    cost[i * r + j] = -alignment * f.Iou[i * r + j];
                }
            var match = new int[g];
            _assignment.Solve(cost, g, r, match);
            for (int a = 0; a < alphas.Length; a++)
            {
                int matches = 0;
                for (int i = 0; i < g; i++)
                {
                    int j = match[i];
                    if (j < 0 || f.Iou[i * r + j] < alphas[a] - Epsilon) continue;
                    matches++;
                    var key = (f.Gt[i], f.Results[j]);
                    if (!matchCounts.TryGetValue(key, out var perAlpha)) matchCounts[key] = perAlpha = new int[alphas.Length];
                    perAlpha[a]++;
                }
                counts.HotaTp[a] += matches;
                counts.HotaFn[a] += g - matches;
                counts.HotaFp[a] += r - matches;
            }
        }

        foreach (var ((gt, result), perAlpha) in matchCounts)
            for (int a = 0; a < alphas.Length; a++)
            {
                double m = perAlpha[a];
                if (m == 0) continue;
                counts.AssSum[a] += m * (m / Math.Max(1, gtCount[gt] + resultCount[result] - m));
            }
    }
}
