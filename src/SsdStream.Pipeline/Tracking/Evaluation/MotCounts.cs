namespace SsdStream.Pipeline.Tracking.Evaluation;

/// <summary>
/// The sums behind <see cref="MotMetrics"/> for one class: adding two classes' counts and then computing
/// the metrics is TrackEval's detection-averaged combination of classes.
/// </summary>
internal sealed class MotCounts
{
    /// <summary>HOTA's IoU thresholds α: 0.05, 0.10, ..., 0.95 (computed as NumPy's arange does: start + i·step).</summary>
    public static readonly double[] Alphas = [.. Enumerable.Range(0, 19).Select(i => 0.05 + i * 0.05)];

    public int Tp, Fn, Fp, IdSwitches, Mt, Pt, Ml;
    public double MotpSum;
    public double IdTp, IdFn, IdFp;
    public int GtIds, GtBoxes, ResultBoxes;
    public readonly double[] HotaTp = new double[Alphas.Length], HotaFn = new double[Alphas.Length], HotaFp = new double[Alphas.Length];

    /// <summary>Per α: Σ over (gt id, result id) of matches · (matches / (gt boxes + result boxes − matches)); AssA·TP.</summary>
    public readonly double[] AssSum = new double[Alphas.Length];

    public void Add(MotCounts o)
    {
        Tp += o.Tp; Fn += o.Fn; Fp += o.Fp; IdSwitches += o.IdSwitches; Mt += o.Mt; Pt += o.Pt; Ml += o.Ml;
        MotpSum += o.MotpSum;
        IdTp += o.IdTp; IdFn += o.IdFn; IdFp += o.IdFp;
        GtIds += o.GtIds; GtBoxes += o.GtBoxes; ResultBoxes += o.ResultBoxes;
        for (int a = 0; a < Alphas.Length; a++)
        {
            HotaTp[a] += o.HotaTp[a]; HotaFn[a] += o.HotaFn[a]; HotaFp[a] += o.HotaFp[a]; AssSum[a] += o.AssSum[a];
        }
    }

    public MotMetrics ToMetrics()
    {
        double hota = 0, detA = 0, assA = 0;
        for (int a = 0; a < Alphas.Length; a++)
        {
            double det = HotaTp[a] / Math.Max(1, HotaTp[a] + HotaFn[a] + HotaFp[a]);
            double ass = AssSum[a] / Math.Max(1, HotaTp[a]);
            detA += det;
            assA += ass;
            hota += Math.Sqrt(det * ass);
        }
        return new MotMetrics
        {
            Mota = (Tp - Fp - IdSwitches) / Math.Max(1.0, Tp + Fn),
            Motp = MotpSum / Math.Max(1.0, Tp),
            Idf1 = IdTp / Math.Max(1.0, IdTp + 0.5 * IdFp + 0.5 * IdFn),
            Idp = IdTp / Math.Max(1.0, IdTp + IdFp),
            Idr = IdTp / Math.Max(1.0, IdTp + IdFn),
            Hota = hota / Alphas.Length,
            DetA = detA / Alphas.Length,
            AssA = assA / Alphas.Length,
            IdSwitches = IdSwitches,
            MostlyTracked = Mt,
            PartlyTracked = Pt,
            MostlyLost = Ml,
            TruePositives = Tp,
            FalsePositives = Fp,
            FalseNegatives = Fn,
            IdTruePositives = IdTp,
            GroundTruthIds = GtIds,
            GroundTruthBoxes = GtBoxes,
            ResultBoxes = ResultBoxes,
        };
    }
}
