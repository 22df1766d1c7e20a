using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Frames;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Service.Commands;

/// <summary>
/// <c>ssdstream bench</c>: the network alone on the source's first frame, then the whole pipeline on N
/// cameras each playing the source; prints model-only images/s, pipeline frames/s, their ratio, latency
/// p50/p99, dropped frames and peak RSS. The network alone runs half its time before and half after the
/// pipeline (the mean is reported), so slow drift of the machine's speed favours neither. By default the cameras read the file as fast as the pipeline
/// takes frames (every frame processed), which measures what decoding, preprocessing, batching and
/// post-processing cost on top of the network; <c>--realtime</c> plays it at its frame rate instead, as
/// live cameras would, dropping what inference cannot keep up with.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo?>("--model") { Description = "Model file (or --arch for random weights)" };
        var arch = CliOptions.Architecture(required: false);
        var source = new Option<FileInfo>("--source") { Description = "Video file the cameras play", Required = true };
        var cameras = new Option<int>("--cameras") { Description = "Cameras playing the source at once", DefaultValueFactory = _ => 1 }
            .Accepting(v => v >= 1, "at least 1");
        var batch = new Option<int>("--batch") { Description = "Largest inference batch", DefaultValueFactory = _ => new BatchingOptions().MaxBatch }
            .Accepting(v => v >= 1, "at least 1");
        var seconds = new Option<double>("--seconds") { Description = "Length of each measurement", DefaultValueFactory = _ => 20 }
            .Accepting(v => v > 0, "positive");
        var realtime = new Option<bool>("--realtime") { Description = "Play the source at its frame rate, as live cameras (frames inference cannot keep up with are dropped)" };
        var threads = CliOptions.Threads();
        var device = CliOptions.Device();
        var half = CliOptions.Half();
        var command = new Command("bench", "Measure model-only and whole-pipeline throughput")
            { model, arch, source, cameras, batch, seconds, realtime, threads, device, half };
        command.SetAction((parse, cancellation) => CommandErrors.RunAsync(async () =>
        {
            var file = parse.GetValue(source)!;
            if (!file.Exists) throw new FileNotFoundException($"source '{file.FullName}' does not exist", file.FullName);
            int n = parse.GetValue(cameras), b = parse.GetValue(batch);
            double s = parse.GetValue(seconds);
            int torchThreads = parse.GetValue(threads);
            TorchRuntime.Initialise(torchThreads);
            var computeDevice = CliOptions.SelectDevice(parse.GetValue(device)!, parse.GetValue(half));
            var options = new PostProcessOptions();
            var loaded = ModelLoading.LoadOrCreate(parse.GetValue(model), parse.GetValue(arch));
            string modelName = parse.GetValue(model)?.Name ?? $"{loaded.Architecture.Name} (random weights)";

            bool live = parse.GetValue(realtime);
            Console.WriteLine($"model: {modelName}, device: {computeDevice}, torch threads: {TorchSharp.torch.get_num_threads()}, batch: {b}, cameras: {n}, "
                + (live ? "sources in real time (drop oldest)" : "sources at full speed (every frame)"));
            // The network alone is measured half before and half after the pipeline, and the two averaged,
            // so that a machine whose speed drifts (shared or throttled cores) biases neither side.
            double before, after;
            PipelineNumbers pipeline;
            using (var detector = new SsdDetector(loaded, computeDevice, options, ownsModel: false))
            {
                before = ModelOnly(detector, file.FullName, b, s / 2, cancellation);
                Console.WriteLine($"model only (before): {before:0.0} images/s");
                pipeline = await PipelineRun(loaded, computeDevice, options, file.FullName, n, b, s, live, torchThreads, modelName, cancellation);
                Console.WriteLine($"pipeline: {pipeline.FramesPerSecond:0.0} frames/s");
                after = ModelOnly(detector, file.FullName, b, s / 2, cancellation);
                Console.WriteLine($"model only (after): {after:0.0} images/s");
            }
            double modelOnly = (before + after) / 2;
            loaded.Dispose();
            PrintTable(modelOnly, pipeline, n, b);
            return 0;
        }));
        command.Subcommands.Add(Tracking());
        command.Subcommands.Add(Events());
        return command;
    }

    private static double ModelOnly(SsdDetector detector, string path, int batch, double seconds, CancellationToken cancellation)
    {
        using var capture = new VideoCapture(path);
        using var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty()) throw new InvalidDataException($"'{path}' has no frame OpenCV can decode");
        int length = detector.Preprocessor.ImageLength;
        var input = new float[batch * length];
        for (int k = 0; k < batch; k++) detector.Preprocessor.Write(frame, input.AsSpan(k * length, length));
        // Warm-up: at least two batches and two seconds (allocator, kernels and JIT tiers settle).
        var warmup = Stopwatch.StartNew();
        for (int i = 0; i < 2 || warmup.Elapsed < TimeSpan.FromSeconds(2); i++) detector.Detect(input, batch);
        var clock = Stopwatch.StartNew();
        long images = 0;
        while (clock.Elapsed.TotalSeconds < seconds && !cancellation.IsCancellationRequested)
        {
            detector.Detect(input, batch);
            images += batch;
        }
        return images / clock.Elapsed.TotalSeconds;
    }

    private sealed record PipelineNumbers(double FramesPerSecond, double LatencyP50, double LatencyP99, long Dropped, long FramesIn, double MeanBatch, double PeakRssMb);

    private static async Task<PipelineNumbers> PipelineRun(Ssd.Model.Checkpoints.SsdModel model, ComputeDevice device, PostProcessOptions options,
        string path, int cameras, int batch, double seconds, bool realtime, int threads, string modelName, CancellationToken cancellation)
    {
        using var metrics = new PipelineMetrics();
        var reconnect = new ReconnectPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        var definitions = Enumerable.Range(1, cameras).Select(i => new CameraDefinition($"cam{i}",
            () => new VideoCaptureFrameSource(path, loop: true, realtime), DetectionFilter.Default, reconnect, TimeSpan.FromSeconds(10),
            Delivery: realtime ? FrameDelivery.Newest : FrameDelivery.Every)).ToList();
        await using var pipeline = new DetectionPipeline(definitions,
            () => new SsdBatchDetector(new SsdDetector(model, device, options, ownsModel: false), modelName),
            new BatchingOptions { MaxBatch = batch }, threads, metrics, NullLoggerFactory.Instance);
        var results = pipeline.SubscribeResults("bench", 100_000);
        await pipeline.StartAsync(cancellation);

        // Warm-up, then measure over a window.
        var warmup = TimeSpan.FromSeconds(Math.Min(3, seconds / 4));
        await Task.Delay(warmup, cancellation);
        while (results.Reader.TryRead(out _)) { }
        var start = PipelineSnapshot.Of(metrics);
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellation);
        var window = PipelineSnapshot.Of(metrics).Since(start);
        var latencies = new List<double>();
        var batches = new List<int>();
        while (results.Reader.TryRead(out var r))
        {
            latencies.Add(r.Latency.TotalMilliseconds);
            batches.Add(r.BatchSize);
        }
        await pipeline.StopAsync(TimeSpan.FromSeconds(10));
        latencies.Sort();
        return new PipelineNumbers(window.ProcessedPerSecond, Percentile(latencies, 0.5), Percentile(latencies, 0.99), window.FramesDropped, window.FramesIn,
            batches.Count == 0 ? 0 : batches.Average(), PeakRssMegabytes());
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>Peak resident set size of this process (VmHWM), in MiB.</summary>
    internal static double PeakRssMegabytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    private static void PrintTable(double modelOnly, PipelineNumbers p, int cameras, int batch)
    {
        Console.WriteLine();
        Console.WriteLine("| cameras | batch | model-only images/s | pipeline frames/s | ratio | latency p50 ms | latency p99 ms | frames in | dropped | mean batch | peak RSS MiB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {cameras} | {batch} | {modelOnly:0.0} | {p.FramesPerSecond:0.0} | {p.FramesPerSecond / modelOnly:0.00} | {p.LatencyP50:0} | {p.LatencyP99:0} | {p.FramesIn} | {p.Dropped} | {p.MeanBatch:0.0} | {p.PeakRssMb:0} |");
    }

    /// <summary><c>ssdstream bench tracking</c>: what tracking costs per frame (no model, no camera).</summary>
    private static Command Tracking()
    {
        var objects = new Option<int>("--objects") { Description = "Objects in view", DefaultValueFactory = _ => 20 }.Accepting(v => v >= 1, "at least 1");
        var frames = new Option<int>("--frames") { Description = "Frames per run", DefaultValueFactory = _ => 10_000 }.Accepting(v => v >= 1, "at least 1");
        var runs = new Option<int>("--runs") { Description = "Timed runs (the median is reported)", DefaultValueFactory = _ => 5 }.Accepting(v => v >= 1, "at least 1");
        var command = new Command("tracking", "Measure the tracker's cost per frame on a synthetic scene (ByteTracker alone, then with objects, zones and events)")
            { objects, frames, runs };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var benchmark = new SsdStream.Pipeline.Tracking.Evaluation.TrackingBenchmark(parse.GetValue(objects), parse.GetValue(frames));
            benchmark.Run(); // warm-up: JIT
            var results = new List<SsdStream.Pipeline.Tracking.Evaluation.TrackingBenchmarkRun>();
            for (int i = 0; i < parse.GetValue(runs); i++)
            {
                var r = benchmark.Run();
                results.Add(r);
                Console.WriteLine(System.FormattableString.Invariant($"run {i + 1}: tracker {r.TrackerMs:0.0000} ms/frame, objects and events {r.ObjectsMs:0.0000} ms/frame, {r.BytesPerFrame} B allocated/frame, {r.Events} events"));
            }
            static double Median(IEnumerable<double> v) { var s = v.Order().ToList(); return s[s.Count / 2]; }
            Console.WriteLine(System.FormattableString.Invariant(
                $"median of {results.Count}: tracker {Median(results.Select(r => r.TrackerMs)):0.0000} ms/frame, objects and events {Median(results.Select(r => r.ObjectsMs)):0.0000} ms/frame ({parse.GetValue(objects)} objects in view)"));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// <c>ssdstream bench events</c>: how long the events store takes to list events with many in it (a
    /// temporary database, filled first, deleted after).
    /// </summary>
    private static Command Events()
    {
        var events = new Option<int>("--events") { Description = "Events in the store", DefaultValueFactory = _ => 100_000 }.Accepting(v => v >= 1, "at least 1");
        var runs = new Option<int>("--runs") { Description = "Timed runs of each query (the median is reported)", DefaultValueFactory = _ => 9 }.Accepting(v => v >= 1, "at least 1");
        var command = new Command("events", "Measure the events store's queries with many events in it (a temporary SQLite database of synthetic events)")
            { events, runs };
        command.SetAction((parse, cancellation) => CommandErrors.RunAsync(async () =>
        {
            int n = parse.GetValue(events);
            using var benchmark = new SsdStream.Pipeline.Events.EventStoreBenchmark(n);
            var fill = await benchmark.FillAsync(cancellation);
            Console.WriteLine(System.FormattableString.Invariant(
                $"filled {n} events ({SsdStream.Pipeline.Events.EventStoreBenchmark.Cameras} cameras, 6 labels, 3 zones) in {fill.TotalSeconds:0.0} s: {n / fill.TotalSeconds:0} events/s in batches of {SsdStream.Pipeline.Events.EventRecorder.DefaultMaxBatch}"));
            foreach (var q in await benchmark.TimeQueriesAsync(parse.GetValue(runs), cancellation))
                Console.WriteLine(System.FormattableString.Invariant(
                    $"{q.Name}: median {q.MedianMs:0.00} ms (min {q.RunsMs.Min():0.00}, max {q.RunsMs.Max():0.00}) over {q.RunsMs.Count} runs, {q.Returned} events"));
            return 0;
        }));
        return command;
    }
}
