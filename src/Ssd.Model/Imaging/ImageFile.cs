using OpenCvSharp;

namespace Ssd.Model.Imaging;

/// <summary>
/// Decodes an image file named by the user (a dataset's image, <c>detect</c>'s input) into 8-bit BGR. A file
/// that does not decode gives an empty Mat, which the caller turns into its own one-line error naming the
/// file: OpenCV's own log line about it (<c>[ERROR:0@..] global loadsave.cpp ... Assertion failed</c>, which
/// reads like a crash) is switched off.
/// </summary>
public static class ImageFile
{
    static ImageFile() => Cv2.SetLogLevel(LogLevel.SILENT);

    /// <summary>The image at <paramref name="path"/>; empty when it cannot be decoded. The caller disposes it.</summary>
    public static Mat Read(string path) => Cv2.ImRead(path, ImreadModes.Color);
}
