using System.Globalization;

namespace Ssd.Model.Evaluation;

/// <summary>
/// The lines pycocotools' <c>summarize</c> prints, character for character, from the Python format
/// <c>' {:&lt;18} {} @[ IoU={:&lt;9} | area={:&gt;6s} | maxDets={:&gt;3d} ] = {:0.3f}'</c>.
/// </summary>
internal static class SummaryFormatter
{
    /// <summary>The printed line of <paramref name="stat"/> with value <paramref name="value"/>.</summary>
    public static string Line(SummaryStat stat, double value)
    {
        string title = stat.IsPrecision ? "Average Precision" : "Average Recall";
        string type = stat.IsPrecision ? "(AP)" : "(AR)";
        var thresholds = CocoEvalParams.IouThresholds;
        string iou = stat.IouThreshold is double t
            ? PythonFixedPoint.Format(t, 2)
            : PythonFixedPoint.Format(thresholds[0], 2) + ":" + PythonFixedPoint.Format(thresholds[^1], 2);
        return string.Create(CultureInfo.InvariantCulture,
            $" {title,-18} {type} @[ IoU={iou,-9} | area={stat.Area,6} | maxDets={stat.MaxDets,3} ] = {PythonFixedPoint.Format(value, 3)}");
    }
}
