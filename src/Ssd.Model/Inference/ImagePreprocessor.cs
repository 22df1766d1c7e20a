using OpenCvSharp;

namespace Ssd.Model.Inference;

/// <summary>
/// Converts an OpenCV image into the network's input (docs/model.md): resized to size x size (bilinear),
/// BGR to RGB, scaled to [0, 1], normalised with the ImageNet mean and std, planar CHW float32.
/// </summary>
public sealed class ImagePreprocessor
{
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    // lut[c * 256 + v] = (v / 255 - mean[c]) / std[c] for RGB channel c.
    private readonly float[] _lut = new float[3 * 256];

    public ImagePreprocessor(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size));
        Size = size;
        for (int c = 0; c < 3; c++)
        {
            for (int v = 0; v < 256; v++) _lut[c * 256 + v] = (v / 255f - Mean[c]) / Std[c];
        }
    }

    /// <summary>Side of the square network input in pixels.</summary>
    public int Size { get; }

    /// <summary>Floats one image takes: 3 x size x size.</summary>
    public int ImageLength => 3 * Size * Size;

    /// <summary>
    /// Writes <paramref name="image"/> (8-bit BGR, BGRA or grey, any size) into <paramref name="chw"/>
    /// as <c>[3, size, size]</c> normalised RGB. The image is not modified or disposed.
    /// </summary>
    public unsafe void Write(Mat image, Span<float> chw)
    {
        if (image.Empty()) throw new ArgumentException("image is empty", nameof(image));
        if (image.Depth() != MatType.CV_8U) throw new ArgumentException($"image must be 8-bit, got {image.Type()}", nameof(image));
        if (chw.Length != ImageLength) throw new ArgumentException($"destination holds {chw.Length} floats; expected {ImageLength}", nameof(chw));

        using var bgr = ToBgr(image);
        var source = bgr ?? image;
        using var resized = new Mat();
        var target = source;
        if (source.Width != Size || source.Height != Size)
        {
            Cv2.Resize(source, resized, new OpenCvSharp.Size(Size, Size), 0, 0, InterpolationFlags.Linear);
            target = resized;
        }
        int plane = Size * Size;
        fixed (float* lut = _lut)
        {
            for (int y = 0; y < Size; y++)
            {
                byte* row = (byte*)target.Ptr(y);
                int o = y * Size;
                for (int x = 0; x < Size; x++)
                {
                    byte b = row[3 * x], g = row[3 * x + 1], r = row[3 * x + 2];
                    chw[o + x] = lut[r];
                    chw[plane + o + x] = lut[256 + g];
                    chw[2 * plane + o + x] = lut[512 + b];
                }
            }
        }
    }

    /// <summary>A BGR copy of a grey or BGRA image; null when the image is BGR already.</summary>
    private static Mat? ToBgr(Mat image)
    {
        switch (image.Channels())
        {
            case 3: return null;
            case 1:
                var fromGrey = new Mat();
                Cv2.CvtColor(image, fromGrey, ColorConversionCodes.GRAY2BGR);
                return fromGrey;
            case 4:
                var fromBgra = new Mat();
                Cv2.CvtColor(image, fromBgra, ColorConversionCodes.BGRA2BGR);
                return fromBgra;
            default:
                throw new ArgumentException($"image has {image.Channels()} channels; expected 1, 3 or 4", nameof(image));
        }
    }
}
