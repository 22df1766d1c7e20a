using System.Globalization;
using OpenCvSharp;
using Ssd.Model.Imaging;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Recording;

/// <summary>
/// Draws a recorded frame: the detections (stable colour per class, label and score) and an overlay
/// with the camera name and the capture time (UTC). Draws on a copy; the shared frame stays untouched.
/// </summary>
public static class FrameAnnotator
{
    public static Mat Draw(Mat frame, string camera, DateTimeOffset captureTime, IReadOnlyList<PixelDetection> detections)
    {
        var canvas = frame.Clone();
        DetectionPainter.Draw(canvas, detections);
        var text = $"{camera}  {captureTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} UTC";
        double scale = Math.Max(0.4, Math.Min(frame.Width, frame.Height) / 900.0);
        var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, scale, 1, out int baseline);
        var origin = new Point(6, frame.Height - 6 - baseline);
        Cv2.Rectangle(canvas, new Rect(origin.X - 3, origin.Y - size.Height - 3, size.Width + 6, size.Height + baseline + 6), Scalar.Black, -1);
        Cv2.PutText(canvas, text, origin, HersheyFonts.HersheySimplex, scale, Scalar.White, 1, LineTypes.AntiAlias);
        return canvas;
    }
}
