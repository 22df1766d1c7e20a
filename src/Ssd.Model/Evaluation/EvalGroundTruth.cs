namespace Ssd.Model.Evaluation;

/// <summary>
/// One ground-truth annotation as COCO stores it. The box <c>[X, Y, Width, Height]</c> is in pixels
/// (continuous coordinates, no +1 pixel) and is used only for IoU; <see cref="Area"/> is the annotation's
/// <c>area</c> field (for segmented objects usually smaller than Width·Height) and alone decides the
/// small/medium/large range. <see cref="IsCrowd"/> marks a crowd region: it is ignored, can absorb any
/// number of detections, and its IoU is intersection over the detection's area.
/// </summary>
/// <remarks>
/// There is no separate ignore flag: pycocotools overwrites a GT's <c>ignore</c> field with <c>iscrowd</c>,
/// so an <c>"ignore": 1</c> key in a COCO file has no effect and is not carried here.
/// </remarks>
public sealed record EvalGroundTruth(long ImageId, int CategoryId, double X, double Y, double Width, double Height, double Area, bool IsCrowd);
