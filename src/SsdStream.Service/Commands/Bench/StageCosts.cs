using System.Diagnostics;
using OpenCvSharp;
using Ssd.Model.Inference;
using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Sources;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Service.Commands.Bench;

/// <summary>
/// What each stage of the pipeline costs per frame when it runs alone, in seconds: decoding the source (as a
/// camera does, one decoder thread), preprocessing, post-processing at the batch size and tracking (on the
/// source's own frames and detections). The network's cost comes from the interleaved network slices.
/// </summary>
internal sealed record StageCosts(double Decode, double Preprocess, double PostProcess, double Tracking, int Detections)
{
    /// <summary>Frames of the source the stages other than decoding run on.</summary>
    private const int Frames = 64;

    /// <summary>How long post-processing runs before it is measured (tiered compilation's second tier comes after 30 calls and 100 ms).</summary>
    private static readonly TimeSpan PostProcessWarmUp = TimeSpan.FromSeconds(1);

    public static async Task<StageCosts> MeasureAsync(string path, SsdDetector detector, int batch, TimeSpan decodeTime, CancellationToken cancellation)
    {
        double decode = await DecodeAsync(path, decodeTime, cancellation);
        var frames = ReadFrames(path);
        try
        {
            int length = detector.Preprocessor.ImageLength;
            var input = new float[batch * length];
            // Warm-up of every stage once (JIT, allocator); post-processing, which runs no native code, until
            // its methods are compiled for good (tiered compilation starts them unoptimised, which costs
            // vector code several times over): as the daemon runs it after its first seconds.
            for (int k = 0; k < Math.Min(batch, frames.Count); k++) detector.Preprocessor.Write(frames[k], input.AsSpan(k * length, length));
            detector.Detect(input, Math.Min(batch, frames.Count));
            for (var warm = Stopwatch.StartNew(); warm.Elapsed < PostProcessWarmUp;) detector.PostProcess(Math.Min(batch, frames.Count));

            var preprocess = TimeSpan.Zero;
            var post = TimeSpan.Zero;
            var detections = new List<PixelDetection[]>();
            for (int start = 0; start < frames.Count; start += batch)
            {
                int n = Math.Min(batch, frames.Count - start);
                var clock = Stopwatch.StartNew();
                for (int k = 0; k < n; k++) detector.Preprocessor.Write(frames[start + k], input.AsSpan(k * length, length));
                preprocess += clock.Elapsed;
                var found = detector.Detect(input, n);
                post += detector.LastTimings.PostProcess;
                for (int k = 0; k < n; k++)
                {
                    var f = frames[start + k];
                    detections.Add(PixelDetection.FromNormalised(found[k], f.Width, f.Height, detector.Label));
                }
            }
            return new StageCosts(decode, preprocess.TotalSeconds / frames.Count, post.TotalSeconds / frames.Count,
                TrackingCost(detections, frames[0].Width, frames[0].Height), detections.Sum(d => d.Length));
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    /// <summary>Seconds per frame of a camera's decoding of the source, read at full speed.</summary>
    private static async Task<double> DecodeAsync(string path, TimeSpan duration, CancellationToken cancellation)
    {
        var source = new VideoCaptureFrameSource(path, loop: true, realtime: false);
        await using var frames = source.ReadAsync(cancellation).GetAsyncEnumerator(cancellation);
        for (int i = 0; i < 10 && await frames.MoveNextAsync(); i++) frames.Current.Image.Dispose();
        var clock = Stopwatch.StartNew();
        long count = 0;
        while (clock.Elapsed < duration && await frames.MoveNextAsync())
        {
            frames.Current.Image.Dispose();
            count++;
        }
        return clock.Elapsed.TotalSeconds / Math.Max(1, count);
    }

    private static List<Mat> ReadFrames(string path)
    {
        var frames = new List<Mat>();
        using var capture = new VideoCapture(path);
        while (frames.Count < Frames)
        {
            var frame = new Mat();
            if (!capture.Read(frame) || frame.Empty())
            {
                frame.Dispose();
                break;
            }
            frames.Add(frame);
        }
        if (frames.Count == 0) throw new InvalidDataException($"'{path}' has no frame OpenCV can decode");
        return frames;
    }

    /// <summary>Seconds per frame of a camera's tracker (defaults, no zones) over the frames' detections, as the daemon feeds it.</summary>
    private static double TrackingCost(List<PixelDetection[]> detections, int width, int height)
    {
        var filter = Pipeline.Processing.DetectionFilter.Default;
        var candidates = detections.Select(d => d.Where(filter.AcceptsApartFromScore).ToArray()).ToList();
        var runs = new List<double>();
        for (int run = 0; run < 5; run++)
        {
            var tracker = new ObjectEventTracker("bench", new TrackerSettings());
            var clock = Stopwatch.StartNew();
            for (int f = 0; f < candidates.Count; f++) tracker.Process(DateTimeOffset.UnixEpoch.AddSeconds(f / 10.0), width, height, candidates[f]);
            runs.Add(clock.Elapsed.TotalSeconds / candidates.Count);
        }
        return BenchStatistics.Median(runs);
    }

    /// <summary>Seconds per frame of every stage together, with the network's <paramref name="network"/>.</summary>
    public double Sum(double network) => Decode + Preprocess + network + PostProcess + Tracking;
}
