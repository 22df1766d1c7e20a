using OpenCvSharp;

namespace Ssd.Model.Imaging;

/// <summary>
/// Draws detections onto a BGR frame: a box in a stable colour per class, and the label with the score
/// on a filled tag above the box. Used by the daemon's recordings, by <c>detect --annotate</c> and by
/// training's validation images, so all three look alike.
/// </summary>
public static class DetectionPainter
{
    /// <summary>The colour of a class (BGR): the same for a class id in every run and on every camera.</summary>
    public static Scalar ColourOf(int classId)
    {
        // Golden-ratio hue steps give well-separated colours for neighbouring ids.
        double hue = (classId * 0.618033988749895) % 1.0;
        var bgr = HsvColour.ToBgr(hue * 360, 0.85, 0.95);
        return new Scalar(bgr.Item0, bgr.Item1, bgr.Item2);
    }

    /// <summary>Box line thickness for a frame: about 1/250 of its shorter side, at least 3 pixels (thinner lines lose their colour to H.264's chroma subsampling).</summary>
    public static int Thickness(int width, int height) => Math.Max(3, Math.Min(width, height) / 250);

    /// <summary>
    /// Draws every detection onto <paramref name="frame"/> in place: every box first, then every label, so
    /// that no box's outline cuts through another box's label.
    /// </summary>
    public static void Draw(Mat frame, IReadOnlyList<LabelledBox> detections)
    {
        int thickness = Thickness(frame.Width, frame.Height);
        double fontScale = Math.Max(0.4, Math.Min(frame.Width, frame.Height) / 1000.0);
        foreach (var d in detections) Cv2.Rectangle(frame, BoxOf(d), ColourOf(d.ClassId), thickness, LineTypes.Link8);
        foreach (var d in detections)
        {
            var box = BoxOf(d);
            var text = $"{d.Label} {d.Score:0.00}";
            var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, fontScale, 1, out int baseline);
            int top = box.Y - size.Height - baseline - 2;
            if (top < 0) top = box.Y + thickness;
            var tag = new Rect(box.X, top, size.Width + 4, size.Height + baseline + 2);
            Cv2.Rectangle(frame, tag, ColourOf(d.ClassId), -1);
            Cv2.PutText(frame, text, new Point(box.X + 2, top + size.Height + 1), HersheyFonts.HersheySimplex, fontScale, Scalar.Black, 1, LineTypes.AntiAlias);
        }
    }

    /// <summary>A detection's box in whole pixels, at least 1 x 1.</summary>
    public static Rect BoxOf(LabelledBox d) => new((int)MathF.Round(d.X1), (int)MathF.Round(d.Y1),
        Math.Max(1, (int)MathF.Round(d.X2 - d.X1)), Math.Max(1, (int)MathF.Round(d.Y2 - d.Y1)));
}
