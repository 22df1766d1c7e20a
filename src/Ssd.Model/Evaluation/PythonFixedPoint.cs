using System.Globalization;
using System.Numerics;

namespace Ssd.Model.Evaluation;

/// <summary>
/// Python's fixed-point float format (<c>'{:0.3f}'.format(x)</c>): the exact binary value rounded to a
/// number of decimals, halfway cases to even, a minus sign kept even when the digits round to zero, and
/// invariant digits. .NET's own "F3" rounds exact halves (0.0625) away from zero, so it is not used.
/// </summary>
internal static class PythonFixedPoint
{
    /// <summary><paramref name="value"/> with <paramref name="decimals"/> digits after the point, as Python prints it.</summary>
    public static string Format(double value, int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";

        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (exponent == 0) exponent = 1; // subnormal
        else mantissa |= 1L << 52;
        exponent -= 1075; // |value| = mantissa * 2^exponent

        BigInteger scaled = mantissa * BigInteger.Pow(10, decimals);
        BigInteger units;
        if (exponent >= 0)
        {
            units = scaled << exponent;
        }
        else
        {
            BigInteger denominator = BigInteger.One << -exponent;
            units = BigInteger.DivRem(scaled, denominator, out BigInteger remainder);
            int half = (remainder * 2).CompareTo(denominator);
            if (half > 0 || (half == 0 && !units.IsEven)) units += 1;
        }

        string digits = units.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        string text = decimals == 0 ? digits : digits[..^decimals] + "." + digits[^decimals..];
        return negative ? "-" + text : text;
    }
}
