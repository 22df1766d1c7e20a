using System.Runtime.Intrinsics;

namespace Ssd.Model.PostProcessing;

/// <summary>
/// The softmax over classes of one image's logits laid out <c>[C, B]</c> (class-major, as the network gives
/// them), vectorised across boxes: for each box, <c>p[c] = exp(x[c] - max) / sum exp(x[k] - max)</c>. Written
/// by hand because the layout puts one box's classes B apart; vectorising along the boxes makes it a few
/// passes over contiguous class rows with <see cref="Vector256.Exp(Vector256{float})"/>.
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
                var e = Vector256.Exp(Vector256.Create(row.Slice(i, w)) - Vector256.Create(max.Slice(i, w)));
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
}
