using ScottPlot;

namespace SsdStream.Service.Commands.Bench;

/// <summary>
/// The <c>--realtime</c> figures as a PNG (ScottPlot): per camera count, capture-to-publish latency p50 and
/// p99 and twice the mean batch's inference time (the bound p99 is held to) on the left axis, processed
/// frames/s per camera on the right.
/// </summary>
internal static class RealtimePlot
{
    public static void Save(string path, IReadOnlyList<PipelineNumbers> rows, string title)
    {
        var plot = new Plot();
        double[] cameras = rows.Select(r => (double)r.Cameras).ToArray();
        var p50 = plot.Add.Scatter(cameras, rows.Select(r => r.LatencyP50).ToArray());
        p50.LegendText = "latency p50 (ms)";
        var p99 = plot.Add.Scatter(cameras, rows.Select(r => r.LatencyP99).ToArray());
        p99.LegendText = "latency p99 (ms)";
        var bound = plot.Add.Scatter(cameras, rows.Select(r => 2 * r.MeanBatchMs).ToArray());
        bound.LegendText = "2 x mean batch inference (ms)";
        bound.LinePattern = LinePattern.Dashed;
        var fps = plot.Add.Scatter(cameras, rows.Select(r => r.PerCamera).ToArray());
        fps.LegendText = "processed frames/s per camera (right)";
        fps.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Bottom.Label.Text = "cameras";
        plot.Axes.Left.Label.Text = "milliseconds";
        plot.Axes.Right.Label.Text = "frames/s per camera";
        plot.Title(title);
        // Both axes from zero, with room above for the legend.
        double ms = rows.Max(r => Math.Max(r.LatencyP99, 2 * r.MeanBatchMs));
        plot.Axes.SetLimitsY(0, double.IsFinite(ms) && ms > 0 ? ms * 1.3 : 1, plot.Axes.Left);
        double perCamera = rows.Max(r => r.PerCamera);
        plot.Axes.SetLimitsY(0, double.IsFinite(perCamera) && perCamera > 0 ? perCamera * 1.3 : 1, plot.Axes.Right);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 600);
    }
}
