namespace Ssd.Model.Evaluation;

/// <summary>
/// The mean of a float64 array the way numpy computes <c>np.mean</c>, to the last bit: the array is summed
/// in blocks of 8192 (numpy's buffer size), the blocks added left to right to a running total starting at
/// 0, each block by numpy's pairwise summation (below 8 values a plain loop; up to 128 values eight
/// interleaved partial sums combined as <c>((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))</c> plus the remainder; above
/// that the two halves, split at a multiple of 8, recursively); the total is then divided by the count.
/// </summary>
internal static class NumpyMean
{
    private const int BufferSize = 8192;
    private const int BlockSize = 128;

    /// <summary>
    /// Mean of the entries of <paramref name="values"/> greater than -1 (pycocotools' <c>np.mean(s[s &gt; -1])</c>),
    /// or -1 when there is none.
    /// </summary>
    public static double OfValid(IEnumerable<double> values)
    {
        var valid = values.Where(v => v > -1).ToArray();
        return valid.Length == 0 ? -1 : Sum(valid) / valid.Length;
    }

    /// <summary><c>np.sum</c> of a contiguous float64 array.</summary>
    public static double Sum(ReadOnlySpan<double> values)
    {
        double total = 0;
        for (int start = 0; start < values.Length; start += BufferSize)
        {
            total += PairwiseSum(values.Slice(start, Math.Min(BufferSize, values.Length - start)));
        }
        return total;
    }

    private static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += a[i];
            return sum;
        }
        if (n <= BlockSize)
        {
            Span<double> r = stackalloc double[8];
            a[..8].CopyTo(r);
            int i = 8;
            for (; i < n - n % 8; i += 8)
            {
                for (int j = 0; j < 8; j++) r[j] += a[i + j];
            }
            double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) sum += a[i];
            return sum;
        }
        int half = n / 2;
        half -= half % 8;
        return PairwiseSum(a[..half]) + PairwiseSum(a[half..]);
    }
}
