namespace Ssd.Model.Imaging;

/// <summary>
/// A box to draw with its label: class (1-based, as the model numbers them), score, and box
/// (x1, y1, x2, y2) in pixels of the image it is drawn on.
/// </summary>
public record LabelledBox(string Label, int ClassId, float Score, float X1, float Y1, float X2, float Y2);
