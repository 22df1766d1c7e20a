namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// Minimum-cost assignment of rows to columns (the linear assignment problem) by shortest augmenting
/// paths over dual potentials: the Hungarian method in the form Jonker and Volgenant made fast (R. Jonker,
/// A. Volgenant, "A shortest augmenting path algorithm for dense and sparse linear assignment problems",
/// Computing 38, 1987), the family of SciPy's <c>linear_sum_assignment</c> (TrackEval) and <c>lap.lapjv</c>
/// (ByteTrack). O(n²·m) for n = min(rows, columns). Buffers are kept between calls: one instance per
/// user, not shared between threads.
/// </summary>
/// <remarks>
/// Written by hand: no library the project keeps solves assignment problems, and a greedy matching (best
/// pair first) is not optimal: where two objects cross, it can give each the other's box.
/// </remarks>
public sealed class LinearAssignment
{
    private double[] _u = [], _v = [], _minv = [], _limited = [];
    private int[] _p = [], _way = [];
    private bool[] _used = [];

    /// <summary>
    /// Assigns each row to a distinct column (or, with more rows than columns, each column to a distinct
    /// row) so that the total cost is least. <paramref name="cost"/> is <c>[rows, columns]</c> row-major and
    /// finite. Writes each row's column, or -1, to <paramref name="rowToColumn"/> (length <paramref name="rows"/>).
    /// </summary>
    /// <returns>The total cost of the assignment.</returns>
    public double Solve(ReadOnlySpan<double> cost, int rows, int columns, Span<int> rowToColumn)
    {
        if (cost.Length < rows * columns) throw new ArgumentException($"cost holds {cost.Length} numbers, not {rows} x {columns}", nameof(cost));
        if (rowToColumn.Length < rows) throw new ArgumentException($"rowToColumn holds {rowToColumn.Length} rows, not {rows}", nameof(rowToColumn));
        foreach (double c in cost[..(rows * columns)])
            if (!double.IsFinite(c)) throw new ArgumentException("every cost must be finite", nameof(cost));
        rowToColumn[..rows].Fill(-1);
        if (rows == 0 || columns == 0) return 0;

        bool transposed = rows > columns;
        int n = transposed ? columns : rows, m = transposed ? rows : columns;
        Grow(n, m);
        var (u, v, minv, p, way, used) = (_u, _v, _minv, _p, _way, _used);
        Array.Clear(u, 0, n + 1);
        Array.Clear(v, 0, m + 1);
        Array.Clear(p, 0, m + 1);

        // Rows are 1..n, columns 1..m; column 0 is the virtual start of each augmenting path.
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            Array.Fill(minv, double.PositiveInfinity, 0, m + 1);
            Array.Clear(used, 0, m + 1);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double a = transposed ? cost[(j - 1) * columns + (i0 - 1)] : cost[(i0 - 1) * columns + (j - 1)];
                    double reduced = a - u[i0] - v[j];
                    if (reduced < minv[j]) { minv[j] = reduced; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            }
            while (p[j0] != 0);
            do
            {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }

        double total = 0;
        for (int j = 1; j <= m; j++)
        {
            if (p[j] == 0) continue;
            int row = transposed ? j - 1 : p[j] - 1, column = transposed ? p[j] - 1 : j - 1;
            rowToColumn[row] = column;
            total += cost[row * columns + column];
        }
        return total;
    }

    /// <summary>
    /// Pairs rows with columns so that the summed cost minus <paramref name="limit"/> per pair is least:
    /// a pair costing more than <paramref name="limit"/> is never made (it is better left unmatched), as
    /// <c>lap.lapjv</c> with a cost limit does for ByteTrack; one costing exactly the limit is made. Give a pair that must not be made a cost above
    /// the limit. Writes each row's column, or -1, to <paramref name="rowToColumn"/>.
    /// </summary>
    /// <returns>How many pairs were made.</returns>
    public int SolveWithLimit(ReadOnlySpan<double> cost, int rows, int columns, double limit, Span<int> rowToColumn)
    {
        int size = rows * columns;
        if (cost.Length < size) throw new ArgumentException($"cost holds {cost.Length} numbers, not {rows} x {columns}", nameof(cost));
        if (_limited.Length < size) _limited = new double[Math.Max(size, 2 * _limited.Length)];
        // A pair within the limit is worth c − limit − ε (ε so that one exactly at the limit still beats
        // leaving both unmatched); any other pair 0. Any matching of pairs within the limit extends to a
        // full assignment with pairs worth 0, which are dropped after, so the least full assignment here
        // is the least partial matching of pairs within the limit.
        const double epsilon = 1e-9;
        for (int k = 0; k < size; k++) _limited[k] = cost[k] <= limit ? cost[k] - limit - epsilon : 0;
        Solve(_limited.AsSpan(0, size), rows, columns, rowToColumn);
        int made = 0;
        for (int r = 0; r < rows; r++)
        {
            int c = rowToColumn[r];
            if (c < 0) continue;
            if (cost[r * columns + c] <= limit) made++;
            else rowToColumn[r] = -1;
        }
        return made;
    }

    private void Grow(int n, int m)
    {
        if (_u.Length < n + 1) _u = new double[n + 1];
        if (_v.Length < m + 1)
        {
            _v = new double[m + 1];
            _minv = new double[m + 1];
            _p = new int[m + 1];
            _way = new int[m + 1];
            _used = new bool[m + 1];
        }
    }
}
