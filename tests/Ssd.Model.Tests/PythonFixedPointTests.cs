using Ssd.Model.Evaluation;

namespace Ssd.Model.Tests;

public class PythonFixedPointTests
{
    // Expected strings are Python 3.11's '{:0.3f}'.format(value).
    [Theory]
    [InlineData(0.0625, "0.062")] // exact half: to even (.NET's F3 gives 0.063)
    [InlineData(0.1875, "0.188")]
    [InlineData(0.5625, "0.562")]
    [InlineData(0.0005, "0.001")] // 0.0005 is slightly above the half in binary
    [InlineData(2.675, "2.675")]
    [InlineData(123.4565, "123.457")]
    [InlineData(0.9999999999999998, "1.000")]
    [InlineData(-1.0, "-1.000")]
    [InlineData(-0.0001, "-0.000")]
    [InlineData(1e-20, "0.000")]
    [InlineData(0.3530698746712151, "0.353")]
    public void Format_ThreeDecimals_MatchesPython(double value, string expected)
    {
        Assert.Equal(expected, PythonFixedPoint.Format(value, 3));
    }

    [Theory]
    [InlineData(0.5, "0.50")]
    [InlineData(0.95, "0.95")]
    [InlineData(0.3125, "0.31")]
    public void Format_TwoDecimals_MatchesPython(double value, string expected)
    {
        Assert.Equal(expected, PythonFixedPoint.Format(value, 2));
    }
}
