using OpenCvSharp;

namespace Ssd.Model.Imaging;

/// <summary>Colours given by hue, saturation and value, as OpenCV's BGR bytes.</summary>
public static class HsvColour
{
    /// <summary>BGR of <paramref name="hue"/> in degrees [0, 360), saturation and value in 0..1.</summary>
    public static Vec3b ToBgr(double hue, double saturation, double value)
    {
        double c = value * saturation;
        double h = hue / 60;
        double x = c * (1 - Math.Abs(h % 2 - 1));
        (double r, double g, double b) = (int)h switch
        {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        double m = value - c;
        static byte ToByte(double v) => (byte)Math.Clamp(Math.Round(v * 255), 0, 255);
        return new Vec3b(ToByte(b + m), ToByte(g + m), ToByte(r + m));
    }
}
