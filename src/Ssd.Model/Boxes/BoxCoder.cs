namespace Ssd.Model.Boxes;

/// <summary>
/// Converts between boxes and the offsets an SSD predicts against its default boxes d (docs/model.md):
/// <c>g_xy = (g_cxcy - d_cxcy) / (scale_xy * d_wh)</c>, <c>g_wh = log(g_wh / d_wh) / scale_wh</c>.
/// Works on managed arrays; offsets are laid out coordinate-major like the network's <c>locs: [4, B]</c>.
/// </summary>
public sealed class BoxCoder
{
    private readonly DefaultBoxes _boxes;
    private readonly float _scaleXy;
    private readonly float _scaleWh;

    public BoxCoder(DefaultBoxes boxes)
    {
        _boxes = boxes;
        _scaleXy = boxes.Config.ScaleXy;
        _scaleWh = boxes.Config.ScaleWh;
    }

    public DefaultBoxes DefaultBoxes => _boxes;

    /// <summary>
    /// Decodes predicted offsets into corner boxes.
    /// <paramref name="locs"/>: <c>[4, B]</c> (dx, dy, dw, dh rows); <paramref name="xyxy"/>: output <c>[B, 4]</c>
    /// of (x1, y1, x2, y2) as fractions of the image, not clamped.
    /// </summary>
    public void Decode(ReadOnlySpan<float> locs, Span<float> xyxy)
    {
        int b = _boxes.Count;
        if (locs.Length != 4 * b) throw new ArgumentException($"locs has {locs.Length} values; expected 4 x {b}.", nameof(locs));
        if (xyxy.Length != 4 * b) throw new ArgumentException($"xyxy has {xyxy.Length} values; expected {b} x 4.", nameof(xyxy));
        var d = _boxes.CxCyWh;
        for (int i = 0; i < b; i++)
        {
            float dcx = d[4 * i], dcy = d[4 * i + 1], dw = d[4 * i + 2], dh = d[4 * i + 3];
            float cx = _scaleXy * locs[i] * dw + dcx;
            float cy = _scaleXy * locs[b + i] * dh + dcy;
            float w = MathF.Exp(_scaleWh * locs[2 * b + i]) * dw;
            float h = MathF.Exp(_scaleWh * locs[3 * b + i]) * dh;
            xyxy[4 * i] = cx - 0.5f * w;
            xyxy[4 * i + 1] = cy - 0.5f * h;
            xyxy[4 * i + 2] = cx + 0.5f * w;
            xyxy[4 * i + 3] = cy + 0.5f * h;
        }
    }

    /// <summary>
    /// Builds training targets for one image. Each ground-truth box's best default box is forced to match
    /// it; any other default box matches its best ground truth when their IoU exceeds
    /// <paramref name="iouThreshold"/>; the rest are background (label 0).
    /// <paramref name="gtXyxy"/>: <c>[G, 4]</c> (x1, y1, x2, y2) in 0..1; <paramref name="gtLabels"/>: <c>[G]</c>, 1-based classes.
    /// Returns offsets <c>[4, B]</c> (zero for background boxes) and labels <c>[B]</c>.
    /// </summary>
    public (float[] Offsets, long[] Labels) Encode(ReadOnlySpan<float> gtXyxy, ReadOnlySpan<long> gtLabels, float iouThreshold = 0.5f)
    {
        int b = _boxes.Count;
        int g = gtLabels.Length;
        if (gtXyxy.Length != 4 * g) throw new ArgumentException($"gtXyxy has {gtXyxy.Length} values; expected {g} x 4.", nameof(gtXyxy));
        var offsets = new float[4 * b];
        var labels = new long[b];
        if (g == 0) return (offsets, labels);

        var d = _boxes.CxCyWh;
        var bestIou = new float[b];
        var bestGt = new int[b];
        var gtBestBox = new int[g];
        var gtBestIou = new float[g];
        Array.Fill(gtBestIou, -1f);
        for (int i = 0; i < b; i++)
        {
            float dx1 = d[4 * i] - 0.5f * d[4 * i + 2], dy1 = d[4 * i + 1] - 0.5f * d[4 * i + 3];
            float dx2 = d[4 * i] + 0.5f * d[4 * i + 2], dy2 = d[4 * i + 1] + 0.5f * d[4 * i + 3];
            float best = -1f;
            int arg = 0;
            for (int j = 0; j < g; j++)
            {
                float iou = Iou.Of(gtXyxy[4 * j], gtXyxy[4 * j + 1], gtXyxy[4 * j + 2], gtXyxy[4 * j + 3], dx1, dy1, dx2, dy2);
                if (iou > best) { best = iou; arg = j; }
                if (iou > gtBestIou[j]) { gtBestIou[j] = iou; gtBestBox[j] = i; }
            }
            bestIou[i] = best;
            bestGt[i] = arg;
        }
        // Force each ground truth onto its best default box (later ground truths win a shared box).
        for (int j = 0; j < g; j++)
        {
            bestIou[gtBestBox[j]] = 2f;
            bestGt[gtBestBox[j]] = j;
        }
        for (int i = 0; i < b; i++)
        {
            if (bestIou[i] <= iouThreshold) continue;
            int j = bestGt[i];
            labels[i] = gtLabels[j];
            float x1 = gtXyxy[4 * j], y1 = gtXyxy[4 * j + 1], x2 = gtXyxy[4 * j + 2], y2 = gtXyxy[4 * j + 3];
            float gcx = 0.5f * (x1 + x2), gcy = 0.5f * (y1 + y2), gw = x2 - x1, gh = y2 - y1;
            float dcx = d[4 * i], dcy = d[4 * i + 1], dw = d[4 * i + 2], dh = d[4 * i + 3];
            offsets[i] = (gcx - dcx) / (_scaleXy * dw);
            offsets[b + i] = (gcy - dcy) / (_scaleXy * dh);
            offsets[2 * b + i] = MathF.Log(gw / dw) / _scaleWh;
            offsets[3 * b + i] = MathF.Log(gh / dh) / _scaleWh;
        }
        return (offsets, labels);
    }
}
