using System.Runtime.Intrinsics;

namespace Ssd.Model.PostProcessing;

/// <summary>
/// The softmax over classes of one image's logits laid out <c>[C, B]</c> (class-major, as the network gives
/// them), vectorised across boxes: for each box, <c>p[c] = exp(x[c] - max) / sum exp(x[k] - max)</c>. Written
/// by hand because the layout puts one box's classes B apart; vectorising along the boxes makes it a few
/// passes over contiguous class rows.
/// </summary>
internal static class Softmax
{
    /// <summary>
    /// <paramref name="logits"/>: <c>[C, B]</c>; writes <paramref name="probs"/>: <c>[C, B]</c>.
    /// <paramref name="scratch"/>: at least <c>2 B</c> floats of working space.
    /// </summary>
    public static void OverClasses(ReadOnlySpan<float> logits, int classes, Span<float> probs, Span<float> scratch)
    {
        int b = logits.Length / classes;
        if (logits.Length != classes * b || probs.Length < logits.Length || scratch.Length < 2 * b)
            throw new ArgumentException($"logits must be [{classes}, B], probs as large and scratch 2 B");
        var max = scratch[..b];
        var sum = scratch.Slice(b, b);
        int w = Vector256<float>.Count;
        int vectorEnd = b - b % w;

        logits[..b].CopyTo(max);
        for (int c = 1; c < classes; c++)
        {
            var row = logits.Slice(c * b, b);
            int i = 0;
            for (; i < vectorEnd; i += w) Vector256.Max(Vector256.Create(max.Slice(i, w)), Vector256.Create(row.Slice(i, w))).CopyTo(max.Slice(i, w));
            for (; i < b; i++) max[i] = MathF.Max(max[i], row[i]);
        }

        sum.Clear();
        for (int c = 0; c < classes; c++)
        {
            var row = logits.Slice(c * b, b);
            var outRow = probs.Slice(c * b, b);
            int i = 0;
            for (; i < vectorEnd; i += w)
            {
                var e = Exp(Vector256.Create(row.Slice(i, w)) - Vector256.Create(max.Slice(i, w)));
                e.CopyTo(outRow.Slice(i, w));
                (Vector256.Create(sum.Slice(i, w)) + e).CopyTo(sum.Slice(i, w));
            }
            for (; i < b; i++)
            {
                float e = MathF.Exp(row[i] - max[i]);
                outRow[i] = e;
                sum[i] += e;
            }
        }

        for (int i = 0; i < b; i++) sum[i] = 1f / sum[i];
        for (int c = 0; c < classes; c++)
        {
            var outRow = probs.Slice(c * b, b);
            int i = 0;
            for (; i < vectorEnd; i += w) (Vector256.Create(outRow.Slice(i, w)) * Vector256.Create(sum.Slice(i, w))).CopyTo(outRow.Slice(i, w));
            for (; i < b; i++) outRow[i] *= sum[i];
        }
    }

    /// <summary>
    /// e^x for x &lt;= 0 (as softmax feeds it), to about 1.2e-7 relative: Cephes' expf (x = k ln 2 + r, a degree-6
    /// polynomial for e^r, 2^k put into the exponent bits); inputs below -87.3 give e^-87.3, which a sum of
    /// terms near 1 does not see. Written by hand because .NET 10's <see cref="Vector256.Exp(Vector256{float})"/>
    /// measured 2.5x slower than scalar <see cref="MathF.Exp"/> here, and this 10x faster than it (243,000
    /// values, SSDLite's 81 classes x 3000 boxes: 0.35 ms against 3.7 ms).
    /// </summary>
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(-87.3f));
        var k = Vector256.Round(x * Vector256.Create(1.44269504088896341f));
        var r = x - k * Vector256.Create(0.693359375f) - k * Vector256.Create(-2.12194440e-4f);
        var y = Vector256.Create(1.9875691500e-4f);
        y = y * r + Vector256.Create(1.3981999507e-3f);
        y = y * r + Vector256.Create(8.3334519073e-3f);
        y = y * r + Vector256.Create(4.1665795894e-2f);
        y = y * r + Vector256.Create(1.6666665459e-1f);
        y = y * r + Vector256.Create(5.0000001201e-1f);
        y = y * (r * r) + r + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(k) + Vector256.Create(127), 23).AsSingle();
        return y * scale;
    }
}
