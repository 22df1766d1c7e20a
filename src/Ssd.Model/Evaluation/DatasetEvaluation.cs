using Ssd.Model.Checkpoints;
using Ssd.Model.Data;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;
using Ssd.Model.Training;

namespace Ssd.Model.Evaluation;

/// <summary>
/// Runs a model over every image of a dataset (resize and normalise only) and scores the detections
/// with <see cref="CocoEvaluator"/>. Category ids in the results are the dataset's original ones.
/// </summary>
public static class DatasetEvaluation
{
    /// <summary>The post-processing the reference evaluates with: score 0.05, NMS 0.5, 100 per image (COCO's maxDets).</summary>
    public static PostProcessOptions EvaluationOptions { get; } = new() { ScoreThreshold = 0.05f, NmsThreshold = 0.5f, TopKPerClass = 200, MaxDetections = 100 };

    /// <summary>
    /// Evaluates <paramref name="model"/> (left on <paramref name="device"/> in eval mode; the caller owns it)
    /// on <paramref name="dataset"/> in batches of <paramref name="batchSize"/>.
    /// </summary>
    public static (CocoMetrics Metrics, IReadOnlyList<EvalDetection> Detections) Run(
        SsdModel model, ComputeDevice device, DetectionDataset dataset, int batchSize = 8,
        PostProcessOptions? options = null, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        using var detector = new SsdDetector(model, device, options ?? EvaluationOptions, ownsModel: false);
        return Run(detector, dataset, batchSize, progress, cancellation);
    }

    /// <summary>
    /// Evaluates <paramref name="detector"/> (on either engine; its post-processing options apply) on
    /// <paramref name="dataset"/> in batches of <paramref name="batchSize"/>.
    /// </summary>
    public static (CocoMetrics Metrics, IReadOnlyList<EvalDetection> Detections) Run(
        SsdDetector detector, DetectionDataset dataset, int batchSize = 8, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        if (detector.Description.ClassNames.Count != dataset.ClassNames.Count)
            throw new ArgumentException($"the model has {detector.Description.ClassNames.Count} classes, the dataset {dataset.Source} has {dataset.ClassNames.Count}");
        int length = detector.Preprocessor.ImageLength;
        var input = new float[batchSize * length];
        var detections = new List<EvalDetection>();
        var images = dataset.Images;
        for (int start = 0; start < images.Count; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, images.Count - start);
            for (int k = 0; k < n; k++)
            {
                using var sample = TrainingBatchLoader.LoadSample(images[start + k]);
                detector.Preprocessor.Write(sample.Image, input.AsSpan(k * length, length));
            }
            var result = detector.Detect(input, n);
            for (int k = 0; k < n; k++)
            {
                var image = images[start + k];
                foreach (var d in result[k])
                {
                    double x1 = Math.Clamp(d.X1, 0f, 1f) * image.Width, y1 = Math.Clamp(d.Y1, 0f, 1f) * image.Height;
                    double x2 = Math.Clamp(d.X2, 0f, 1f) * image.Width, y2 = Math.Clamp(d.Y2, 0f, 1f) * image.Height;
                    detections.Add(new EvalDetection(image.Id, (int)dataset.CategoryIds[d.ClassId - 1], x1, y1, x2 - x1, y2 - y1, d.Score));
                }
            }
            progress?.Report(start + n);
        }
        var metrics = CocoEvaluator.Evaluate(
            images.Select(i => i.Id),
            dataset.CategoryIds.Select(c => (int)c),
            GroundTruth(dataset),
            detections);
        return (metrics, detections);
    }

    /// <summary>The dataset's objects as COCO ground truth (original category ids, boxes x, y, w, h).</summary>
    public static IEnumerable<EvalGroundTruth> GroundTruth(DetectionDataset dataset) =>
        dataset.Images.SelectMany(i => i.Objects.Select(o => new EvalGroundTruth(
            i.Id, (int)dataset.CategoryIds[o.ClassId - 1], o.X1, o.Y1, o.X2 - o.X1, o.Y2 - o.Y1, o.Area, o.IsCrowd)));
}
