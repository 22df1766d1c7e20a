using OpenCvSharp;
using Ssd.Model.Imaging;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// Writes an object's snapshot: <c>&lt;folder&gt;/&lt;id&gt;.jpg</c> with its box and label drawn (when configured)
/// and <c>&lt;id&gt;-clean.jpg</c> without, scaled to <see cref="SnapshotSettings.MaxHeight"/>. Each file is
/// written beside its place (<c>x.part.jpg</c>) and renamed over it, so a reader never sees half a JPEG,
/// and what a crash leaves is removed at the next start (<see cref="Recording.SegmentWriter.RemoveUnfinished"/>).
/// </summary>
public sealed class SnapshotWriter(string folder, SnapshotSettings settings)
{
    /// <summary>Where a camera's snapshots go: <c>&lt;recording directory&gt;/&lt;camera&gt;/snapshots</c>.</summary>
    public static string FolderFor(string recordingDirectory, string camera) => Path.Combine(recordingDirectory, camera, "snapshots");

    /// <summary>Writes both files from <paramref name="frame"/> (not modified); returns their paths and the annotated JPEG's bytes.</summary>
    public (string Annotated, string Clean, byte[] Jpeg) Write(string id, Mat frame, PixelDetection detection)
    {
        Directory.CreateDirectory(folder);
        using var scaled = Scale(frame, out double factor);
        var parameters = new ImageEncodingParam(ImwriteFlags.JpegQuality, settings.Quality);
        var clean = scaled.ImEncode(".jpg", parameters);
        byte[] annotated;
        if (settings.DrawBoxes)
        {
            using var drawn = scaled.Clone();
            var box = factor == 1 ? detection : detection with
            {
                X1 = (float)(detection.X1 * factor), Y1 = (float)(detection.Y1 * factor),
                X2 = (float)(detection.X2 * factor), Y2 = (float)(detection.Y2 * factor),
            };
            DetectionPainter.Draw(drawn, [box]);
            annotated = drawn.ImEncode(".jpg", parameters);
        }
        else
        {
            annotated = clean;
        }
        var annotatedPath = Path.Combine(folder, id + ".jpg");
        var cleanPath = Path.Combine(folder, id + "-clean.jpg");
        WriteAtomically(cleanPath, clean);
        WriteAtomically(annotatedPath, annotated);
        return (annotatedPath, cleanPath, annotated);
    }

    /// <summary>The frame at most <see cref="SnapshotSettings.MaxHeight"/> high (a new Mat the caller disposes).</summary>
    private Mat Scale(Mat frame, out double factor)
    {
        factor = settings.MaxHeight > 0 && frame.Height > settings.MaxHeight ? (double)settings.MaxHeight / frame.Height : 1;
        if (factor == 1) return frame.Clone();
        var scaled = new Mat();
        Cv2.Resize(frame, scaled, new Size((int)Math.Round(frame.Width * factor), settings.MaxHeight), interpolation: InterpolationFlags.Area);
        return scaled;
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = Recording.SegmentWriter.PartName(path);
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
