namespace Ssd.Model.Evaluation;

/// <summary>
/// One detection as a COCO results file stores it: box <c>[X, Y, Width, Height]</c> in pixels (continuous
/// coordinates, no +1 pixel) and a score. Its area for the size ranges is always Width·Height. The order in
/// which detections are handed to <see cref="CocoEvaluator.Evaluate"/> is the file order, which breaks
/// ties between equal scores.
/// </summary>
public sealed record EvalDetection(long ImageId, int CategoryId, double X, double Y, double Width, double Height, double Score);
