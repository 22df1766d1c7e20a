using System.Diagnostics;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Tracking.Evaluation;

/// <summary>One run of <see cref="TrackingBenchmark"/>: milliseconds per frame of the tracker alone and of the whole object tracker.</summary>
public sealed record TrackingBenchmarkRun(double TrackerMs, double ObjectsMs, long BytesPerFrame, int Events);

/// <summary>
/// What tracking costs per frame: a scene of <c>objects</c> boxes moving and bouncing in a 1280x720 frame at
/// 10 fps, with jittered boxes, one detection in ten at a low score and one in thirty missed, two labels and
/// two zones. Each run times <see cref="ByteTracker"/> alone, then <see cref="ObjectEventTracker"/> (masks,
/// tracking, objects, zones, events) over the same frames, so that slow drift of the machine affects both
/// alike (runs interleave A B A B). The scene is made once, before any timing, from a fixed seed.
/// </summary>
public sealed class TrackingBenchmark
{
    private const int Width = 1280, Height = 720;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly PixelDetection[][] _frames;
    private readonly ZoneSettings[] _zones =
    [
        new() { Name = "left", Points = [0, 0, 0.5, 0, 0.5, 1, 0, 1] },
        new() { Name = "road", Points = [0.2, 0.5, 0.8, 0.4, 1, 1, 0, 1], Labels = ["car"] },
    ];

    public TrackingBenchmark(int objects, int frames, int seed = 42)
    {
        if (objects < 1 || frames < 1) throw new ArgumentException("objects and frames must be at least 1");
        var random = new Random(seed);
        // Per object: x, y, vx, vy (pixels per frame), width, height.
        var state = Enumerable.Range(0, objects).Select(_ => new double[]
        {
            random.Next(0, Width - 80), random.Next(0, Height - 160), random.NextDouble() * 10 - 5, random.NextDouble() * 6 - 3,
            40 + random.Next(40), 80 + random.Next(80),
        }).ToArray();
        _frames = new PixelDetection[frames][];
        for (int f = 0; f < frames; f++)
        {
            var list = new List<PixelDetection>(objects);
            for (int i = 0; i < objects; i++)
            {
                var s = state[i];
                s[0] += s[2];
                s[1] += s[3];
                if (s[0] < 0 || s[0] + s[4] > Width) s[2] = -s[2];
                if (s[1] < 0 || s[1] + s[5] > Height) s[3] = -s[3];
                float x1 = (float)Math.Clamp(s[0] + random.NextDouble() * 2 - 1, 0, Width), y1 = (float)Math.Clamp(s[1] + random.NextDouble() * 2 - 1, 0, Height);
                float x2 = (float)Math.Clamp(x1 + s[4], 0, Width), y2 = (float)Math.Clamp(y1 + s[5], 0, Height);
                float score = random.NextDouble() < 0.1 ? 0.3f : 0.7f + (float)random.NextDouble() * 0.25f;
                if (random.NextDouble() < 1.0 / 30) continue;
                string label = i % 4 == 0 ? "car" : "person";
                list.Add(new PixelDetection(label, label == "car" ? 3 : 1, score, x1, y1, x2, y2, x1 / Width, y1 / Height, x2 / Width, y2 / Height));
            }
            _frames[f] = [.. list];
        }
    }

    /// <summary>Times one run of each; the first run of a process includes the JIT, so callers warm up with one.</summary>
    public TrackingBenchmarkRun Run()
    {
        var tracker = new ByteTracker(TrackerSettings.Default);
        var clock = Stopwatch.StartNew();
        for (int f = 0; f < _frames.Length; f++) tracker.Update(TimeOf(f), Width, Height, _frames[f]);
        double trackerMs = clock.Elapsed.TotalMilliseconds / _frames.Length;

        var objects = new ObjectEventTracker("bench", TrackerSettings.Default, _zones);
        int events = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        clock.Restart();
        for (int f = 0; f < _frames.Length; f++) events += objects.Process(TimeOf(f), Width, Height, _frames[f]).Events.Count;
        double objectsMs = clock.Elapsed.TotalMilliseconds / _frames.Length;
        long bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / _frames.Length;
        return new TrackingBenchmarkRun(trackerMs, objectsMs, bytes, events);
    }

    private static DateTimeOffset TimeOf(int frame) => Start.AddTicks(frame * TimeSpan.TicksPerSecond / 10);
}
