using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// Adds zero-mean, roughly Gaussian noise to every channel of an 8-bit image: each value gets
/// (b1 + b2 - 255) * sigma / 104.5 for two random bytes b1, b2 (a triangular distribution of standard
/// deviation sigma), clamped to 0..255. The bytes come from a SplitMix64 generator seeded with one
/// <see cref="Random.NextInt64()"/> of the given stream, so equal seeds give equal noise at a fraction of
/// the cost of <see cref="Random.NextBytes(byte[])"/>.
/// </summary>
internal static class SensorNoise
{
    // Standard deviation of b1 + b2 - 255 for independent uniform bytes: sqrt(2 * (256^2 - 1) / 12).
    private static readonly double RawStd = Math.Sqrt(2 * (256.0 * 256.0 - 1) / 12);

    public static unsafe void Add(Mat image, Random random, double sigma)
    {
        if (image.Type() != MatType.CV_8UC1 && image.Type() != MatType.CV_8UC3) throw new ArgumentException($"image must be 8-bit grey or BGR, got {image.Type()}", nameof(image));
        ulong state = (ulong)random.NextInt64();
        if (sigma <= 0) return;
        int scale = (int)Math.Round(sigma / RawStd * 256);
        int rowLength = image.Width * image.Channels(), height = image.Height;
        for (int y = 0; y < height; y++)
        {
            byte* row = (byte*)image.Ptr(y);
            ulong bits = 0;
            for (int i = 0; i < rowLength; i++)
            {
                if ((i & 3) == 0) bits = SplitMix64(ref state);
                int noise = ((int)(bits & 0xFF) + (int)((bits >> 8) & 0xFF) - 255) * scale >> 8;
                bits >>= 16;
                int v = row[i] + noise;
                row[i] = (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
