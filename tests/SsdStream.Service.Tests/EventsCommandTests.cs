using System.Text.Json.Nodes;
using SsdStream.Pipeline.Events;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Service.Tests;

/// <summary><c>ssdstream events</c>, <c>events retain</c> and <c>events export</c> on a database the test fills, as a user runs them.</summary>
public sealed class EventsCommandTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-events-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string Media(string name, byte fill)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Enumerable.Repeat(fill, 100).ToArray());
        return path;
    }

    private static (ObjectEvent, EventMedia) Ended(string id, string camera, string label, double start, string[] zones, EventMedia media)
    {
        var box = new CornerBox(10, 20, 110, 220);
        var o = new ObjectSnapshot(id, camera, label, 0.8f, 0.9f, box, new CornerBox(box.X1 / 640, box.Y1 / 480, box.X2 / 640, box.Y2 / 480), box.Area,
            T0.AddSeconds(start), T0.AddSeconds(start + 5), T0.AddSeconds(start + 5), [], zones, false, true, false, T0.AddSeconds(start + 1), box);
        return (new ObjectEvent(ObjectEventType.End, o, o), media);
    }

    private (int Code, string Output) Run(params string[] args) => CommandLineTests.Ssdstream(_dir, args);

    [Fact]
    public async Task ListRetainAndExport_WorkOnTheDaemonsDatabase_AndAMistakeIsOneLineWithExit2()
    {
        // The daemon's configuration puts recordings (and so events.db) in rec/.
        File.WriteAllText(PathOf("model.ssdm"), "");
        File.WriteAllText(PathOf("appsettings.json"),
            """{"SsdStream": {"Model": {"Path": "model.ssdm"}, "Cameras": [{"Name": "front", "Type": "synthetic"}], "Recording": {"Directory": "rec"}}}""");
        var db = PathOf("rec/events.db");
        var snapshot = Media("rec/front/snapshots/p1.jpg", 1);
        var clean = Media("rec/front/snapshots/p1-clean.jpg", 2);
        var clip = Media("rec/front/clips/p1.mp4", 3);
        var segmentA = Media("rec/back/2026-03-01/12-00-00.mp4", 4);
        var segmentB = Media("rec/back/2026-03-02/12-00-00.mp4", 5);
        using (var store = SqliteEventStore.Open(db))
        {
            await store.WriteAsync(
            [
                Ended("p1", "front", "person", 10, ["porch"], new EventMedia(snapshot, clean, clip, [])),
                Ended("p2", "front", "person", 30, [], EventMedia.None),
                Ended("c1", "back", "car", 20, ["driveway"], new EventMedia(null, null, null, [new ClipSpan(segmentA, 55, 60), new ClipSpan(segmentB, 0, 3)])),
            ]);
        }

        // The table, newest first, from the configured database.
        var (code, table) = Run("events");
        Assert.True(code == 0, table);
        var lines = table.Split('\n');
        Assert.StartsWith("ID", lines[0]);
        Assert.Equal(["p2", "c1", "p1"], lines[1..].Select(l => l.Split(' ')[0]));
        Assert.Contains("2026-03-01T12:00:10Z", lines[3]);
        Assert.Contains("snapshot+clip", lines[3]);

        // Filters and JSON lines.
        (code, var json) = Run("events", "--db", db, "--camera", "front", "--json");
        Assert.True(code == 0, json);
        var objects = json.Split('\n').Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["p2", "p1"], objects.Select(o => (string?)o["id"]));
        Assert.Equal(snapshot, (string?)objects[1]["snapshot_path"]);
        Assert.True((bool)objects[1]["has_clip"]!);
        (code, json) = Run("events", "--db", db, "--zone", "porch", "--after", "2026-03-01T12:00:05Z", "--before", T0.AddSeconds(15).ToUnixTimeSeconds().ToString(), "--json", "--limit", "5");
        Assert.True(code == 0, json);
        Assert.Equal("p1", (string?)JsonNode.Parse(json)!["id"]);
        (code, var none) = Run("events", "--db", db, "--label", "dog");
        Assert.Equal((0, "no events"), (code, none));

        // Retain and unmark.
        (code, var said) = Run("events", "retain", "c1", "--db", db);
        Assert.Equal((0, "event c1 is retained"), (code, said));
        Assert.Contains("yes", Run("events", "--db", db, "--camera", "back").Output.Split('\n')[1]);
        (code, said) = Run("events", "retain", "c1", "--off", "--db", db);
        Assert.Equal((0, "event c1 is no longer retained"), (code, said));
        using (var store = SqliteEventStore.Open(db)) Assert.False((await store.GetAsync("c1"))!.Retain);

        // Export: snapshots and clip; segments numbered in time order; event.json.
        (code, said) = Run("events", "export", "p1", "--out", PathOf("out1"), "--db", db);
        Assert.True(code == 0, said);
        Assert.Equal(File.ReadAllBytes(snapshot), File.ReadAllBytes(PathOf("out1/p1.jpg")));
        Assert.Equal(File.ReadAllBytes(clean), File.ReadAllBytes(PathOf("out1/p1-clean.jpg")));
        Assert.Equal(File.ReadAllBytes(clip), File.ReadAllBytes(PathOf("out1/p1.mp4")));
        Assert.Equal("p1", (string?)JsonNode.Parse(File.ReadAllText(PathOf("out1/event.json")))!["id"]);
        (code, said) = Run("events", "export", "c1", "--out", PathOf("out2"), "--db", db);
        Assert.True(code == 0, said);
        Assert.Equal(File.ReadAllBytes(segmentA), File.ReadAllBytes(PathOf("out2/segment-1-12-00-00.mp4")));
        Assert.Equal(File.ReadAllBytes(segmentB), File.ReadAllBytes(PathOf("out2/segment-2-12-00-00.mp4")));
        Assert.Equal(2, JsonNode.Parse(File.ReadAllText(PathOf("out2/event.json")))!["segments"]!.AsArray().Count);

        // Mistakes: one line, exit 2.
        foreach (var (args, names) in new (string[], string)[]
        {
            (["events", "retain", "nope", "--db", db], "no event 'nope'"),
            (["events", "export", "nope", "--out", PathOf("out3"), "--db", db], "no event 'nope'"),
            (["events", "--db", PathOf("missing.db")], "no events database at '" + PathOf("missing.db") + "'"),
            (["events", "--db", db, "--after", "yesterday"], "--after must be an ISO 8601 time"),
        })
        {
            (code, said) = Run(args);
            Assert.True(code == 2 && said.Contains(names) && !said.Contains('\n'), $"ssdstream {string.Join(' ', args)}: exit {code}: {said}");
        }
        Assert.False(File.Exists(PathOf("missing.db"))); // never made anew by a look
    }
}
