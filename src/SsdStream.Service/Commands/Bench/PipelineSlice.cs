using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Ssd.Model.Inference;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Service.Commands.Bench;

/// <summary>What one pipeline slice measured over its window.</summary>
/// <param name="FramesPerSecond">Frames processed per second over every camera.</param>
/// <param name="LatencyP50">Capture to publish (the result reaching a subscriber after tracking), milliseconds.</param>
/// <param name="MeanBatchMs">Mean time of a batch's inference (network and post-processing), milliseconds.</param>
/// <param name="CpuPercent">Process CPU time over wall time (100: one core busy).</param>
/// <param name="InferenceP99">Capture to the end of the frame's batch (before tracking and publishing), milliseconds.</param>
/// <param name="BatchP99Ms">The 99th percentile, over frames, of their batch's inference time, milliseconds.</param>
internal sealed record PipelineNumbers(int Cameras, double FramesPerSecond, double LatencyP50, double LatencyP99, long FramesIn, long Dropped,
    double MeanBatch, double MeanBatchMs, double CpuPercent, double RssMb, double PeakRssMb, double InferenceP99 = double.NaN, double BatchP99Ms = double.NaN)
{
    public double PerCamera => FramesPerSecond / Cameras;

    public double DroppedShare => FramesIn == 0 ? 0 : (double)Dropped / FramesIn;
}

/// <summary>
/// Runs the whole pipeline (cameras playing the source, preprocessing, the network, post-processing,
/// tracking, results to a subscriber) for one measured window, with a detector loaded once and lent to
/// each slice, so that slices of the pipeline can alternate with the network alone in one run.
/// </summary>
internal static class PipelineSlice
{
    /// <summary>Time a slice runs before its window opens: queues fill, threads and caches settle.</summary>
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    public static async Task<PipelineNumbers> RunAsync(SsdDetector detector, string modelName, string path, int cameras, int batch, TimeSpan window,
        bool realtime, int threads, CancellationToken cancellation)
    {
        using var metrics = new PipelineMetrics();
        var reconnect = new ReconnectPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        var definitions = Enumerable.Range(1, cameras).Select(i => new CameraDefinition($"cam{i}",
            () => new VideoCaptureFrameSource(path, loop: true, realtime), DetectionFilter.Default, reconnect, TimeSpan.FromSeconds(10),
            Delivery: realtime ? FrameDelivery.Newest : FrameDelivery.Every)).ToList();
        await using var pipeline = new DetectionPipeline(definitions, () => new LentDetector(detector, modelName),
            new BatchingOptions { MaxBatch = batch }, threads, metrics, NullLoggerFactory.Instance);
        var results = pipeline.SubscribeResults("bench", 100_000);
        var latencies = new List<double>();
        var toResult = new List<double>();
        var batchTimes = new List<(int Size, double Ms)>();
        bool measuring = false;
        var reading = Task.Run(async () =>
        {
            await foreach (var r in results.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (!Volatile.Read(ref measuring)) continue;
                latencies.Add((DateTimeOffset.UtcNow - r.CaptureTime).TotalMilliseconds);
                toResult.Add(r.Latency.TotalMilliseconds);
                batchTimes.Add((r.BatchSize, r.BatchInferenceTime.TotalMilliseconds));
            }
        }, CancellationToken.None);
        await pipeline.StartAsync(cancellation);
        await Task.Delay(Warmup, cancellation);

        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var start = PipelineSnapshot.Of(metrics);
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref measuring, true);
        await Task.Delay(window, cancellation);
        Volatile.Write(ref measuring, false);
        var delta = PipelineSnapshot.Of(metrics).Since(start);
        var wall = clock.Elapsed;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / wall.TotalSeconds * 100;
        double rss = process.WorkingSet64 / 1024.0 / 1024.0;
        await pipeline.StopAsync(TimeSpan.FromSeconds(10));
        await reading;

        latencies.Sort();
        toResult.Sort();
        var frameBatchTimes = batchTimes.Select(b => b.Ms).Order().ToList();
        // Each frame of a batch reports the batch's time: weigh a batch once by dividing by its size.
        double batches = batchTimes.Sum(b => 1.0 / b.Size);
        double meanBatchMs = batches == 0 ? double.NaN : batchTimes.Sum(b => b.Ms / b.Size) / batches;
        double meanBatch = batches == 0 ? double.NaN : batchTimes.Count / batches;
        return new PipelineNumbers(cameras, delta.ProcessedPerSecond, BenchStatistics.Percentile(latencies, 0.5), BenchStatistics.Percentile(latencies, 0.99),
            delta.FramesIn, delta.FramesDropped, meanBatch, meanBatchMs, cpu, rss, BenchCommand.PeakRssMegabytes(), BenchStatistics.Percentile(toResult, 0.99),
            BenchStatistics.Percentile(frameBatchTimes, 0.99));
    }

    /// <summary>The bench's detector lent to one slice's pipeline: the slice's end leaves it loaded for the next.</summary>
    private sealed class LentDetector(SsdDetector detector, string modelName) : IBatchDetector
    {
        public string ModelName => modelName;

        public ImagePreprocessor Preprocessor => detector.Preprocessor;

        public string Label(int classId) => detector.Label(classId);

        public Ssd.Model.PostProcessing.Detection[][] Detect(ReadOnlySpan<float> inputs, int count) => detector.Detect(inputs, count);

        public void Dispose()
        {
        }
    }
}
