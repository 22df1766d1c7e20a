namespace Ssd.Model.Data;

/// <summary>
/// One annotated object of a dataset image.
/// <para><paramref name="ClassId"/>: 1-based contiguous class id, the index into
/// <see cref="DetectionDataset.ClassNames"/> plus 1 (0 is the network's background).</para>
/// <para>Box (<paramref name="X1"/>, <paramref name="Y1"/>, <paramref name="X2"/>, <paramref name="Y2"/>): corners in
/// pixels of the original image, continuous coordinates (a box covering pixel columns 0..9 is x1 = 0, x2 = 10),
/// clamped to the image.</para>
/// <para><paramref name="IsCrowd"/>: an object to ignore, neither a training target nor counted in evaluation
/// (COCO <c>iscrowd</c> = 1; VOC <c>difficult</c> = 1).</para>
/// <para><paramref name="Area"/>: the area evaluation sorts the object by (small/medium/large) in square pixels:
/// COCO's <c>area</c> field (the segment's area), else the box area.</para>
/// </summary>
public sealed record DatasetObject(int ClassId, float X1, float Y1, float X2, float Y2, bool IsCrowd, double Area)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;
}
