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
        // The images that decoded (all of them, unless the dataset skips those that do not): only they are scored.
        var evaluated = new List<DatasetImage>(dataset.Images.Count);
        var batch = new List<DatasetImage>(batchSize);
        int next = 0;
        while (next < dataset.Images.Count)
        {
            cancellation.ThrowIfCancellationRequested();
            batch.Clear();
            for (; next < dataset.Images.Count && batch.Count < batchSize; next++)
            {
                using var sample = dataset.TryLoad(dataset.Images[next]);
                if (sample is null) continue;
                detector.Preprocessor.Write(sample.Image, input.AsSpan(batch.Count * length, length));
                batch.Add(dataset.Images[next]);
            }
            if (batch.Count == 0) continue;
            int n = batch.Count;
            evaluated.AddRange(batch);
            var result = detector.Detect(input, n);
            for (int k = 0; k < n; k++)
            {
                var image = batch[k];
                foreach (var d in result[k])
                {
                    double x1 = Math.Clamp(d.X1, 0f, 1f) * image.Width, y1 = Math.Clamp(d.Y1, 0f, 1f) * image.Height;
                    double x2 = Math.Clamp(d.X2, 0f, 1f) * image.Width, y2 = Math.Clamp(d.Y2, 0f, 1f) * image.Height;
                    detections.Add(new EvalDetection(image.Id, (int)dataset.CategoryIds[d.ClassId - 1], x1, y1, x2 - x1, y2 - y1, d.Score));
                }
            }
            progress?.Report(next);
        }
        var metrics = CocoEvaluator.Evaluate(
            evaluated.Select(i => i.Id),
            dataset.CategoryIds.Select(c => (int)c),
            GroundTruth(dataset, evaluated),
            detections);
        return (metrics, detections);
    }

    /// <summary>The objects of <paramref name="images"/> (default: all the dataset's) as COCO ground truth (original category ids, boxes x, y, w, h).</summary>
    public static IEnumerable<EvalGroundTruth> GroundTruth(DetectionDataset dataset, IEnumerable<DatasetImage>? images = null) =>
        (images ?? dataset.Images).SelectMany(i => i.Objects.Select(o => new EvalGroundTruth(
            i.Id, (int)dataset.CategoryIds[o.ClassId - 1], o.X1, o.Y1, o.X2 - o.X1, o.Y2 - o.Y1, o.Area, o.IsCrowd)));
}
