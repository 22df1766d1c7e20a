using Ssd.Model.Evaluation;

namespace Ssd.Model.Tests;

public class NumpyMeanTests
{
    private static double[] Reciprocals(int n) => Enumerable.Range(1, n).Select(i => 1.0 / i).ToArray();

    // Expected values are numpy 1.24's np.sum(np.array([1.0 / (i + 1) for i in range(n)])).
    [Theory]
    [InlineData(7, 2.5928571428571425)]
    [InlineData(100, 5.187377517639621)]
    [InlineData(1000, 7.485470860550345)] // a left-to-right sum gives ...343
    [InlineData(20000, 10.480728217229329)] // one pairwise sum over all gives ...327; numpy sums blocks of 8192
    public void Sum_IsBitIdenticalToNumpy(int n, double expected)
    {
        Assert.Equal(expected, NumpyMean.Sum(Reciprocals(n)));
    }

    [Fact]
    public void OfValid_AveragesOnlyEntriesAboveMinusOne()
    {
        Assert.Equal(0.5, NumpyMean.OfValid([-1, 0.25, -1, 0.75]));
    }

    [Fact]
    public void OfValid_IsMinusOneWhenEveryEntryIsMinusOne()
    {
        Assert.Equal(-1, NumpyMean.OfValid([-1, -1]));
        Assert.Equal(-1, NumpyMean.OfValid([]));
    }

    [Fact]
    public void OfValid_DividesTheNumpySumByTheCount()
    {
        // numpy: np.mean(np.array([1.0 / (i + 1) for i in range(1000)])) == 0.007485470860550345
        Assert.Equal(0.007485470860550345, NumpyMean.OfValid(Reciprocals(1000)));
    }
}
