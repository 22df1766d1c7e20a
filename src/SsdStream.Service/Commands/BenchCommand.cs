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
using SsdStream.Service.Commands.Bench;

namespace SsdStream.Service.Commands;

/// <summary>
/// <c>ssdstream bench</c>: what the network and the pipeline do with the source, measured in slices that
/// alternate in one run (each engine's network alone, then the pipeline for each camera count, round after
/// round) and reported as medians, so that one noisy moment of a shared machine decides nothing. Without
/// <c>--realtime</c> the cameras read the file as fast as the pipeline takes frames (every frame processed),
/// and the bench also measures each stage alone (decoding, preprocessing, post-processing, tracking; the
/// network from its slices) to print the no-overlap limit 1 / (sum of the stages' costs per frame) and the
/// pipeline's frames/s as a share of it. With <c>--realtime</c> the cameras play the file at its frame rate,
/// as live cameras, and the bench prints per camera count the frames/s per camera, drops, capture-to-publish
/// latency, CPU and memory, and plots them.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo?>("--model") { Description = "Model file or .onnx (or --arch for random weights)" };
        var arch = CliOptions.Architecture(required: false);
        var source = new Option<FileInfo>("--source") { Description = "Video file the cameras play", Required = true };
        var cameras = new Option<string>("--cameras") { Description = "Camera counts to measure, comma-separated (each camera plays the source)", DefaultValueFactory = _ => "1" }
            .Accepting(v => CameraCounts(v) is not null, "a comma-separated list of counts from 1 to 64 (1,2,4)");
        var batch = new Option<int>("--batch") { Description = "Largest inference batch", DefaultValueFactory = _ => new BatchingOptions().MaxBatch }
            .Accepting(v => v >= 1, "at least 1");
        var seconds = new Option<double>("--seconds") { Description = "Length of each measured slice", DefaultValueFactory = _ => 10 }
            .Accepting(v => v > 0, "positive");
        var rounds = new Option<int>("--rounds") { Description = "Rounds of interleaved slices (medians are reported)", DefaultValueFactory = _ => 3 }
            .Accepting(v => v >= 1, "at least 1");
        var realtime = new Option<bool>("--realtime") { Description = "Play the source at its frame rate, as live cameras (frames inference cannot keep up with are dropped)" };
        var score = new Option<float>("--score") { Description = "Post-processing's per-class score threshold (Model:ScoreThreshold)", DefaultValueFactory = _ => new PostProcessOptions().ScoreThreshold }
            .Accepting(v => v >= 0 && v < 1, "in [0, 1)");
        var compareSpinning = new Option<bool>("--compare-spinning") { Description = "Also run the pipeline slices on ONNX Runtime with intra-op spinning the other way (Model:Spinning), interleaved" };
        var plot = new Option<FileInfo?>("--plot") { Description = "PNG of the --realtime figures per camera count (default: bench-realtime.png in the current folder)" };
        var engine = CliOptions.Engine();
        var threads = CliOptions.Threads();
        var device = CliOptions.Device();
        var half = CliOptions.Half();
        var command = new Command("bench", "Measure the network alone on each engine and the whole pipeline, interleaved, with the stages' costs")
            { model, arch, source, cameras, batch, seconds, rounds, score, realtime, compareSpinning, plot, engine, threads, device, half };
        command.SetAction((parse, cancellation) => CommandErrors.RunAsync(async () =>
        {
            var file = parse.GetValue(source)!;
            if (!file.Exists) throw new FileNotFoundException($"source '{file.FullName}' does not exist", file.FullName);
            var run = new BenchRun(file.FullName, CameraCounts(parse.GetValue(cameras)!)!, parse.GetValue(batch), TimeSpan.FromSeconds(parse.GetValue(seconds)),
                parse.GetValue(rounds), parse.GetValue(realtime), CliOptions.Detector(parse, engine, device, half, threads));
            using var detectors = BenchDetectors.Open(parse.GetValue(model), parse.GetValue(arch), run.Settings, new PostProcessOptions { ScoreThreshold = parse.GetValue(score) });
            if (parse.GetValue(compareSpinning)) detectors.AddSpinningVariant(parse.GetValue(model), run.Settings);
            if (run.Realtime)
            {
                var plotPath = parse.GetValue(plot)?.FullName ?? Path.GetFullPath("bench-realtime.png");
                await run.RealtimeAsync(detectors, plotPath, cancellation);
            }
            else
            {
                await run.FullSpeedAsync(detectors, cancellation);
            }
            return 0;
        }));
        command.Subcommands.Add(Tracking());
        command.Subcommands.Add(Events());
        return command;
    }

    /// <summary>The counts of a <c>--cameras</c> value (1,2,4), or null when it is not one.</summary>
    internal static int[]? CameraCounts(string value)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        var counts = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out counts[i]) || counts[i] is < 1 or > 64) return null;
        }
        return counts.Length == 0 ? null : counts;
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MiB.</summary>
    internal static double PeakRssMegabytes()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return double.NaN;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
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
