using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Ssd.Model.Inference;

namespace SsdStream.Service.Commands.Bench;

/// <summary>One <c>ssdstream bench</c>: its slices in rounds (A B A B), the tables of their medians.</summary>
internal sealed class BenchRun(string source, int[] cameraCounts, int batch, TimeSpan slice, int rounds, bool realtime, DetectorSettings settings)
{
    public DetectorSettings Settings => settings;

    public bool Realtime => realtime;

    /// <summary>Cameras reading the file at full speed: network alone per engine and pipeline per camera count, then the stages' costs and the limit.</summary>
    public async Task FullSpeedAsync(BenchDetectors detectors, CancellationToken cancellation)
    {
        PrintHeader(detectors, "sources at full speed (every frame)");
        var costs = await StageCosts.MeasureAsync(source, detectors.Pipeline, batch, TimeSpan.FromSeconds(3), cancellation);
        var network = detectors.Engines.ToDictionary(e => e.Engine, _ => new List<double>());
        var pipelines = Slices(detectors);
        var shares = pipelines.Keys.ToDictionary(k => k, _ => new List<double>());
        for (int r = 1; r <= rounds; r++)
        {
            foreach (var (engine, detector) in detectors.Engines)
            {
                double rate = NetworkAlone(detector, r == 1 ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(0.5), cancellation);
                network[engine].Add(rate);
                Console.WriteLine(Invariant($"round {r}: network alone, {detector.Network.Description}: {rate:0.0} images/s"));
            }
            // The limit of this round: the stages' costs with this round's network, so that the machine's drift
            // between rounds moves the limit and the pipeline together.
            double roundLimit = 1 / costs.Sum(1 / network[detectors.PipelineEngine][^1]);
            foreach (var ((variant, n), runs) in pipelines)
            {
                var p = await PipelineSlice.RunAsync(variant, detectors.ModelName, source, n, batch, slice, realtime: false, settings.Threads, cancellation);
                runs.Add(p);
                shares[(variant, n)].Add(p.FramesPerSecond / roundLimit);
                Console.WriteLine(Invariant($"round {r}: pipeline on {variant.Network.Description}, {n} camera(s): {p.FramesPerSecond:0.0} frames/s, {p.FramesPerSecond / roundLimit:0.00} of this round's limit {roundLimit:0.0}"));
            }
        }

        Table(Invariant($"Network alone, batch {batch}, median of {rounds} interleaved slices of {slice.TotalSeconds:0} s:"), "engine", "images/s", "ms per image", "rounds");
        foreach (var (engine, detector) in detectors.Engines)
        {
            double m = BenchStatistics.Median(network[engine]);
            Console.WriteLine(Invariant($"| {detector.Network.Description} | {m:0.0} | {1000 / m:0.00} | {string.Join(", ", network[engine].Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))} |"));
        }
        if (network.Count == 2)
        {
            double torch = BenchStatistics.Median(network[InferenceEngine.Torch]), onnx = BenchStatistics.Median(network[InferenceEngine.OnnxRuntime]);
            Console.WriteLine(Invariant($"\nonnxruntime / torch, network alone: {onnx / torch:0.00}x"));
        }

        double networkCost = 1 / BenchStatistics.Median(network[detectors.PipelineEngine]);
        double sum = costs.Sum(networkCost);
        Table(Invariant($"Stages alone, per frame ({detectors.Pipeline.Network.Description}, batch {batch}, score threshold {detectors.Pipeline.Options.ScoreThreshold}; {costs.Detections / 64.0:0.0} detections per frame):"), "stage", "ms per frame", "share");
        foreach (var (stage, cost) in new[] { ("decode", costs.Decode), ("preprocess", costs.Preprocess), ("network", networkCost), ("post-process", costs.PostProcess), ("tracking", costs.Tracking) })
            Console.WriteLine(Invariant($"| {stage} | {cost * 1000:0.000} | {cost / sum:0.0%} |"));
        Console.WriteLine(Invariant($"| sum | {sum * 1000:0.000} | no-overlap limit {1 / sum:0.0} frames/s |"));
        Console.WriteLine(Invariant($"\npost-processing / network: {costs.PostProcess / networkCost:0.0%}"));

        Table(Invariant($"Pipeline, median of {rounds} slices of {slice.TotalSeconds:0} s:"), "engine", "cameras", "frames/s", "no-overlap limit", "share of limit (median of rounds)", "latency p50 ms", "latency p99 ms", "mean batch", "CPU %", "RSS MiB", "peak RSS MiB");
        foreach (var ((variant, n), runs) in pipelines)
        {
            var m = Medians(runs);
            Console.WriteLine(Invariant($"| {variant.Network.Description} | {n} | {m.FramesPerSecond:0.0} | {1 / sum:0.0} | {BenchStatistics.Median(shares[(variant, n)]):0.00} | {m.LatencyP50:0} | {m.LatencyP99:0} | {m.MeanBatch:0.0} | {m.CpuPercent:0} | {m.RssMb:0} | {m.PeakRssMb:0} |"));
        }
        Console.WriteLine("\n(share of limit: each round's pipeline frames/s over the limit with that round's network alone)");
    }

    /// <summary>Cameras playing the file at its frame rate: per camera count, what live cameras get.</summary>
    public async Task RealtimeAsync(BenchDetectors detectors, string plotPath, CancellationToken cancellation)
    {
        PrintHeader(detectors, "sources in real time (drop oldest)");
        var pipelines = Slices(detectors);
        for (int r = 1; r <= rounds; r++)
        {
            foreach (var ((variant, n), runs) in pipelines)
            {
                var p = await PipelineSlice.RunAsync(variant, detectors.ModelName, source, n, batch, slice, realtime: true, settings.Threads, cancellation);
                runs.Add(p);
                Console.WriteLine(Invariant($"round {r}: {variant.Network.Description}, {n} camera(s): {p.PerCamera:0.0} frames/s per camera, latency p99 {p.LatencyP99:0} ms (to the batch's end {p.InferenceP99:0} ms), mean batch {p.MeanBatch:0.0} in {p.MeanBatchMs:0} ms (p99 {p.BatchP99Ms:0} ms)"));
            }
        }
        foreach (var variant in detectors.PipelineVariants.Skip(1))
        {
            PrintRealtime(Invariant($"Live cameras on {variant.Network.Description}:"), pipelines.Where(p => p.Key.Detector == variant).Select(p => Medians(p.Value)).ToList());
        }
        var rows = pipelines.Where(p => p.Key.Detector == detectors.Pipeline).Select(p => Medians(p.Value)).ToList();
        PrintRealtime(Invariant($"Live cameras on {detectors.Pipeline.Network.Description}, batch up to {batch}, median of {rounds} slices of {slice.TotalSeconds:0} s:"), rows);
        RealtimePlot.Save(plotPath, rows, $"{detectors.ModelName} on {detectors.Pipeline.Network.Description}, live cameras playing {Path.GetFileName(source)}");
        Console.WriteLine($"\nplot: {plotPath}");
    }

    private static void PrintRealtime(string title, List<PipelineNumbers> rows)
    {
        Table(title, "cameras", "frames/s per camera", "frames/s", "dropped", "latency p50 ms", "latency p99 ms", "mean batch", "mean batch inference ms", "p99 / mean batch inference", "CPU %", "RSS MiB", "peak RSS MiB");
        foreach (var m in rows)
        {
            Console.WriteLine(Invariant($"| {m.Cameras} | {m.PerCamera:0.0} | {m.FramesPerSecond:0.0} | {m.Dropped} ({m.DroppedShare:0.0%}) | {m.LatencyP50:0} | {m.LatencyP99:0} | {m.MeanBatch:0.0} | {m.MeanBatchMs:0.0} | {m.LatencyP99 / m.MeanBatchMs:0.00} | {m.CpuPercent:0} | {m.RssMb:0} | {m.PeakRssMb:0} |"));
        }
    }

    /// <summary>The pipeline slices of a round, in order: for each detector the pipeline runs on, each camera count.</summary>
    private Dictionary<(SsdDetector Detector, int Cameras), List<PipelineNumbers>> Slices(BenchDetectors detectors) =>
        detectors.PipelineVariants.SelectMany(d => cameraCounts.Select(n => (d, n))).ToDictionary(k => k, _ => new List<PipelineNumbers>());

    private void PrintHeader(BenchDetectors detectors, string mode) =>
        Console.WriteLine(Invariant($"model: {detectors.ModelName}, engines: {string.Join(", ", detectors.Engines.Select(e => e.Detector.Network.Description))}, pipeline on {detectors.Pipeline.Network.Description}, threads: {(settings.Threads == 0 ? "one per core" : settings.Threads.ToString(CultureInfo.InvariantCulture))}, batch: {batch}, cameras: {string.Join(",", cameraCounts)}, {mode}; {rounds} rounds of {slice.TotalSeconds:0} s slices"));

    /// <summary>Images per second of the network alone (no post-processing) at the batch size, on the source's first frame.</summary>
    private double NetworkAlone(SsdDetector detector, TimeSpan warmup, CancellationToken cancellation)
    {
        int length = detector.Preprocessor.ImageLength;
        var input = new float[batch * length];
        using (var capture = new VideoCapture(source))
        using (var frame = new Mat())
        {
            if (!capture.Read(frame) || frame.Empty()) throw new InvalidDataException($"'{source}' has no frame OpenCV can decode");
            for (int k = 0; k < batch; k++) detector.Preprocessor.Write(frame, input.AsSpan(k * length, length));
        }
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 2 || clock.Elapsed < warmup; i++) detector.RunNetwork(input, batch);
        clock.Restart();
        long images = 0;
        while (clock.Elapsed < slice && !cancellation.IsCancellationRequested)
        {
            detector.RunNetwork(input, batch);
            images += batch;
        }
        cancellation.ThrowIfCancellationRequested();
        return images / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Each figure's median over the slices of one camera count.</summary>
    private static PipelineNumbers Medians(List<PipelineNumbers> runs) => new(
        runs[0].Cameras,
        BenchStatistics.Median(runs.Select(r => r.FramesPerSecond)),
        BenchStatistics.Median(runs.Select(r => r.LatencyP50)),
        BenchStatistics.Median(runs.Select(r => r.LatencyP99)),
        (long)BenchStatistics.Median(runs.Select(r => (double)r.FramesIn)),
        (long)BenchStatistics.Median(runs.Select(r => (double)r.Dropped)),
        BenchStatistics.Median(runs.Select(r => r.MeanBatch)),
        BenchStatistics.Median(runs.Select(r => r.MeanBatchMs)),
        BenchStatistics.Median(runs.Select(r => r.CpuPercent)),
        BenchStatistics.Median(runs.Select(r => r.RssMb)),
        runs.Max(r => r.PeakRssMb));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>A blank line, the title, and a Markdown table's header of <paramref name="columns"/>.</summary>
    private static void Table(string title, params string[] columns)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine();
        Console.WriteLine($"| {string.Join(" | ", columns)} |");
        Console.WriteLine($"|{string.Concat(Enumerable.Repeat("---|", columns.Length))}");
    }
}
