using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Tests.Tracking;

public sealed class LinearAssignmentTests
{
    [Fact]
    public void Solve_FindsTheOptimum_WhereGreedyBestPairFirstDoesNot()
    {
        // Greedy takes (0,0) at 1 and is left with (1,1) at 10: 11. The optimum is 2 + 3 = 5.
        double[] cost = [1, 2, 3, 10];
        var assignment = new int[2];
        Assert.Equal(5, new LinearAssignment().Solve(cost, 2, 2, assignment));
        Assert.Equal([1, 0], assignment);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(2, 5)]
    [InlineData(5, 2)]
    [InlineData(6, 6)]
    [InlineData(4, 6)]
    [InlineData(6, 4)]
    public void Solve_MatchesBruteForce_OnRandomMatrices(int rows, int columns)
    {
        var random = new Random(rows * 31 + columns);
        var solver = new LinearAssignment();
        for (int trial = 0; trial < 50; trial++)
        {
            var cost = new double[rows * columns];
            for (int k = 0; k < cost.Length; k++) cost[k] = Math.Round(random.NextDouble() * 20 - 5, 2);
            var assignment = new int[rows];
            double total = solver.Solve(cost, rows, columns, assignment);

            Assert.Equal(Math.Min(rows, columns), assignment.Count(c => c >= 0));
            Assert.Equal(assignment.Count(c => c >= 0), assignment.Where(c => c >= 0).Distinct().Count());
            Assert.Equal(total, Enumerable.Range(0, rows).Where(r => assignment[r] >= 0).Sum(r => cost[r * columns + assignment[r]]), 9);
            Assert.Equal(BruteForce(cost, rows, columns), total, 9);
        }
    }

    [Fact]
    public void SolveWithLimit_NeverMakesAPairAboveTheLimit_AndMakesPairsAtIt()
    {
        // Row 0 fits column 0 (0.3); row 1 fits only column 1 at exactly the limit; row 2 fits nothing.
        double[] cost =
        [
            0.3, 0.9, 0.95,
            0.9, 0.8, 0.9,
            0.85, 0.99, 0.81,
        ];
        var assignment = new int[3];
        Assert.Equal(2, new LinearAssignment().SolveWithLimit(cost, 3, 3, 0.8, assignment));
        Assert.Equal([0, 1, -1], assignment);
    }

    [Fact]
    public void SolveWithLimit_MakesAPairAtTheLimit_EvenWhenAnotherColumnIsTiedAsUnmatched()
    {
        var assignment = new int[1];
        Assert.Equal(1, new LinearAssignment().SolveWithLimit([0.9, 0.8], 1, 2, 0.8, assignment));
        Assert.Equal([1], assignment);
    }

    [Fact]
    public void SolveWithLimit_PrefersTwoGoodPairs_OverOneBetterPairThatBlocksThem()
    {
        // (0,0) is the best single pair, but taking it leaves row 1 without a column within the limit.
        double[] cost =
        [
            0.1, 0.3,
            0.2, 0.9,
        ];
        var assignment = new int[2];
        Assert.Equal(2, new LinearAssignment().SolveWithLimit(cost, 2, 2, 0.5, assignment));
        Assert.Equal([1, 0], assignment);
    }

    [Fact]
    public void Solve_EmptySide_AssignsNothing()
    {
        var assignment = new int[3];
        Assert.Equal(0, new LinearAssignment().Solve([], 3, 0, assignment));
        Assert.Equal([-1, -1, -1], assignment);
    }

    private static double BruteForce(double[] cost, int rows, int columns)
    {
        double best = double.PositiveInfinity;
        var usedRows = new bool[rows];
        var usedColumns = new bool[columns];
        int pairs = Math.Min(rows, columns);
        void Go(int made, double sum)
        {
            if (made == pairs) { best = Math.Min(best, sum); return; }
            // Assign the smaller side in order; try every partner on the other side.
            if (rows <= columns)
            {
                int r = made;
                for (int c = 0; c < columns; c++)
                    if (!usedColumns[c]) { usedColumns[c] = true; Go(made + 1, sum + cost[r * columns + c]); usedColumns[c] = false; }
            }
            else
            {
                int c = made;
                for (int r = 0; r < rows; r++)
                    if (!usedRows[r]) { usedRows[r] = true; Go(made + 1, sum + cost[r * columns + c]); usedRows[r] = false; }
            }
        }
        Go(0, 0);
        return best;
    }
}
