namespace Ssd.Model.PostProcessing;

/// <summary>One detected object: class (1-based, 0 is background), score, and box (x1, y1, x2, y2) as fractions of the image.</summary>
public readonly record struct Detection(int ClassId, float Score, float X1, float Y1, float X2, float Y2);
