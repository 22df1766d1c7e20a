namespace Ssd.Model.Data;

/// <summary>
/// One image of a dataset: its id (COCO image id; VOC: the 1-based line of the image set file), the full
/// path of the image file, its size in pixels as the annotation states it, and its objects (possibly none).
/// </summary>
public sealed record DatasetImage(long Id, string Path, int Width, int Height, IReadOnlyList<DatasetObject> Objects);
