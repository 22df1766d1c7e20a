using Ssd.Model.Imaging;
using Ssd.Model.PostProcessing;

namespace SsdStream.Pipeline.Results;

/// <summary>
/// A detection in the pixels of the original frame: box (x1, y1, x2, y2) clamped to the frame, and the
/// same box as fractions 0..1 of the frame.
/// </summary>
public sealed record PixelDetection(string Label, int ClassId, float Score, float X1, float Y1, float X2, float Y2, float NX1, float NY1, float NX2, float NY2)
    : LabelledBox(Label, ClassId, Score, X1, Y1, X2, Y2)
{
    public float Area => (X2 - X1) * (Y2 - Y1);

    /// <summary>The id of the tracked object this detection belongs to (null: none, or not tracked).</summary>
    public string? TrackId { get; init; }

    /// <summary>
    /// Maps network detections (boxes in 0..1 of the network input, which is the whole frame resized)
    /// to the pixels of a <paramref name="width"/> x <paramref name="height"/> frame, clamping to the frame.
    /// </summary>
    public static PixelDetection[] FromNormalised(IReadOnlyList<Detection> detections, int width, int height, Func<int, string> label)
    {
        var result = new PixelDetection[detections.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var d = detections[i];
            float nx1 = Math.Clamp(d.X1, 0f, 1f), ny1 = Math.Clamp(d.Y1, 0f, 1f);
            float nx2 = Math.Clamp(d.X2, 0f, 1f), ny2 = Math.Clamp(d.Y2, 0f, 1f);
            result[i] = new PixelDetection(label(d.ClassId), d.ClassId, d.Score,
                nx1 * width, ny1 * height, nx2 * width, ny2 * height, nx1, ny1, nx2, ny2);
        }
        return result;
    }
}
