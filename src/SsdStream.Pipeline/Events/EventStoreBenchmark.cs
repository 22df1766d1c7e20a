using System.Diagnostics;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Events;

/// <summary>One timed query of <see cref="EventStoreBenchmark"/>: its name, the events it returned and each run's milliseconds.</summary>
public sealed record EventQueryTiming(string Name, int Returned, IReadOnlyList<double> RunsMs)
{
    public double MedianMs
    {
        get
        {
            var sorted = RunsMs.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }
}

/// <summary>
/// What the events store costs with many events in it: a fresh <see cref="SqliteEventStore"/> in a folder
/// of its own is filled with <c>events</c> ended events (8 cameras, 6 labels, 3 zones, starts spread over
/// 30 days, from a fixed seed, in the recorder's batches of <see cref="EventRecorder.DefaultMaxBatch"/>),
/// then the queries a user runs (the CLI, a web page) are timed, each run of each in turn (A B C A B C),
/// so that slow drift of the machine affects all alike.
/// </summary>
public sealed class EventStoreBenchmark : IDisposable
{
    /// <summary>Cameras the events are spread over (cam1 ... cam8).</summary>
    public const int Cameras = 8;

    private static readonly string[] Labels = ["person", "car", "dog", "cat", "bicycle", "truck"];
    private static readonly string[] Zones = ["driveway", "porch", "street"];
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _directory;
    private readonly int _events;

    public EventStoreBenchmark(int events)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(events, 1);
        _events = events;
        _directory = Directory.CreateTempSubdirectory("ssdstream-events-bench-").FullName;
        Store = SqliteEventStore.Open(Path.Combine(_directory, SqliteEventStore.DefaultFileName));
    }

    public SqliteEventStore Store { get; }

    /// <summary>The query the acceptance figure is about: the newest 100 of one camera and label.</summary>
    public static EventQuery CameraAndLabel { get; } = new() { Camera = "cam3", Label = "person", Limit = 100 };

    /// <summary>The queries timed, by name.</summary>
    public static IReadOnlyList<(string Name, EventQuery Query)> Queries { get; } =
    [
        ("newest 100 of cam3, person", CameraAndLabel),
        ("newest 100 of cam3, person, zone porch", CameraAndLabel with { Zone = "porch" }),
        ("newest 100 of zone driveway", new EventQuery { Zone = "driveway", Limit = 100 }),
        ("newest 100 of all", new EventQuery { Limit = 100 }),
        ("cam3, person, last day", CameraAndLabel with { After = Start.AddDays(29), Limit = 1000 }),
    ];

    /// <summary>Writes the events; returns how long it took.</summary>
    public async Task<TimeSpan> FillAsync(CancellationToken cancellation = default)
    {
        var random = new Random(7);
        var batch = new List<(ObjectEvent, EventMedia)>(EventRecorder.DefaultMaxBatch);
        var clock = Stopwatch.StartNew();
        double span = TimeSpan.FromDays(30).TotalSeconds;
        for (int i = 0; i < _events; i++)
        {
            var start = Start.AddSeconds(random.NextDouble() * span);
            var end = start.AddSeconds(2 + random.NextDouble() * 60);
            string camera = $"cam{random.Next(Cameras) + 1}", label = Labels[random.Next(Labels.Length)];
            var entered = Zones.Where(_ => random.NextDouble() < 0.3).ToArray();
            float x = (float)(random.NextDouble() * 1000), y = (float)(random.NextDouble() * 500);
            var box = new CornerBox(x, y, x + 120, y + 200);
            var o = new ObjectSnapshot($"{start.ToUnixTimeMilliseconds() / 1000.0:0.000}-b{i:x6}", camera, label, 0.8f, 0.85f, box,
                new CornerBox(box.X1 / 1280, box.Y1 / 720, box.X2 / 1280, box.Y2 / 720), box.Area, start, end, end, [], entered,
                false, true, false, start.AddSeconds(1), box);
            var snapshot = Path.Combine(SnapshotWriter.FolderFor(_directory, camera), o.Id + ".jpg");
            batch.Add((new ObjectEvent(ObjectEventType.End, o, o), new EventMedia(snapshot, null, null, [])));
            if (batch.Count == EventRecorder.DefaultMaxBatch || i == _events - 1)
            {
                await Store.WriteAsync(batch, cancellation).ConfigureAwait(false);
                batch.Clear();
            }
        }
        return clock.Elapsed;
    }

    /// <summary>Times each of <see cref="Queries"/> <paramref name="runs"/> times, interleaved, after one untimed run of each.</summary>
    public async Task<IReadOnlyList<EventQueryTiming>> TimeQueriesAsync(int runs, CancellationToken cancellation = default)
    {
        var times = Queries.Select(_ => new List<double>()).ToList();
        var returned = new int[Queries.Count];
        for (int run = -1; run < runs; run++)
        {
            for (int q = 0; q < Queries.Count; q++)
            {
                long t0 = Stopwatch.GetTimestamp();
                var found = await Store.QueryAsync(Queries[q].Query, cancellation).ConfigureAwait(false);
                double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                returned[q] = found.Count;
                if (run >= 0) times[q].Add(ms);
            }
        }
        return Queries.Select((q, i) => new EventQueryTiming(q.Name, returned[i], times[i])).ToList();
    }

    /// <summary>Closes the store and deletes its folder.</summary>
    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
