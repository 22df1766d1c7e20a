using System.Text.Json.Nodes;
using SsdStream.Pipeline.Events;
using SsdStream.Pipeline.Tracking;
using static SsdStream.Pipeline.Tests.Events.EventsTestData;

namespace SsdStream.Pipeline.Tests.Events;

/// <summary>
/// What the events store does on every database it runs on (SQLite, PostgreSQL): one row per object,
/// queries, crash recovery, retention's lists, the instance of each event. Each database's test class
/// runs these against a store of its own.
/// </summary>
public abstract class EventStoreContractTests : IDisposable
{
    private readonly StoreUnderTest _db;

    private protected EventStoreContractTests(StoreUnderTest db) => _db = db;

    private protected StoreUnderTest Db => _db;

    private SqlEventStore Store => _db.Store;

    public void Dispose() => _db.Dispose();

    private static double ObjectJsonSeconds(DateTimeOffset t) => Results.ObjectJson.Seconds(t);

    [Fact]
    public async Task NewUpdateAndEnd_OfOneObject_LeaveOneRowWithTheEndsFields_AndTheMediaOfEach()
    {
        var first = Object("obj-1", start: 10, frame: 10, zones: []);
        var moved = Object("obj-1", start: 10, frame: 14.5, zones: ["porch"], score: 0.9f, stationary: true);
        var ended = Object("obj-1", start: 10, end: 20.25, frame: 20.25, zones: ["porch", "driveway"], score: 0.7f);
        var snapshot = _db.File("front/snapshots/obj-1.jpg");
        var clip = _db.File("front/clips/obj-1.mp4");
        await Store.WriteAsync([New(first)]);
        await Store.WriteAsync([Update(first, moved, new EventMedia(snapshot, null, null, []))]);
        await Store.WriteAsync([End(ended, new EventMedia(null, null, clip, []))]); // names no snapshot: the update's stays

        var all = await Store.QueryAsync(new EventQuery());
        var stored = Assert.Single(all);
        Assert.Equal(Json(ended), Json(stored.Object)); // every field, as MQTT carries it
        Assert.Equal(snapshot, stored.Media.Snapshot);
        Assert.Equal(clip, stored.Media.Clip);
        Assert.True(stored.HasSnapshot && stored.HasClip && !stored.InProgress && !stored.Retain);
        Assert.Equal(["obj-1"], (await Store.QueryAsync(new EventQuery { Zone = "driveway" })).Select(e => e.Id));
    }

    [Fact]
    public async Task AWholeBatch_IsStoredInOrder_SoItsLastEventOfAnObjectWins()
    {
        var first = Object("b", start: 1);
        var ended = Object("b", start: 1, end: 3, zones: ["street"]);
        await Store.WriteAsync([New(first), Update(first, first), End(ended), New(Object("c", start: 2))]);
        Assert.Equal(Json(ended), Json((await Store.GetAsync("b"))!.Object));
        Assert.Equal(2, (await Store.QueryAsync(new EventQuery())).Count);
    }

    [Fact]
    public async Task ToJson_IsTheObjectsJson_WithMediaFlagsPathsAndRetain()
    {
        var o = Object("j", end: 4, zones: ["porch"]);
        var snapshot = _db.File("front/snapshots/j.jpg");
        var clean = _db.File("front/snapshots/j-clean.jpg");
        var segment = _db.File("front/2026-03-01/12-00-00.mp4");
        var shot = (At(2.25), new CornerBox(98, 48, 222.5f, 401));
        await Store.WriteAsync([End(o, new EventMedia(snapshot, clean, null, [new ClipSpan(segment, 1.5, 5.25)]) { SnapshotOf = shot })]);
        await Store.SetRetainAsync("j", true);

        var json = JsonNode.Parse((await Store.GetAsync("j"))!.ToJson())!.AsObject();
        var mqtt = JsonNode.Parse(Json(o, shot))!.AsObject(); // as MQTT carries the event with its snapshot
        foreach (var (name, value) in mqtt)
        {
            if (name is "has_snapshot" or "has_clip") continue;
            Assert.True(JsonNode.DeepEquals(value, json[name]), $"{name}: {value?.ToJsonString()} != {json[name]?.ToJsonString()}");
        }
        Assert.Equal(ObjectJsonSeconds(At(2.25)), (double)json["snapshot"]!["frame_time"]!);
        Assert.Equal([98, 48, 222.5, 401], json["snapshot"]!["box"]!.AsArray().Select(v => (double)v!));
        Assert.True((bool)json["has_snapshot"]!);
        Assert.True((bool)json["has_clip"]!);
        Assert.Equal(snapshot, (string?)json["snapshot_path"]);
        Assert.Equal(clean, (string?)json["clean_snapshot_path"]);
        Assert.Null(json["clip_path"]);
        var span = Assert.Single(json["segments"]!.AsArray())!;
        Assert.Equal(segment, (string?)span["path"]);
        Assert.Equal(1.5, (double)span["start_offset"]!);
        Assert.Equal(5.25, (double)span["end_offset"]!);
        Assert.True((bool)json["retain"]!);
    }

    [Fact]
    public async Task Queries_FilterByCameraLabelZoneTimeAndState_NewestFirst()
    {
        await Store.WriteAsync(
        [
            End(Object("f-person-1", "front", "person", start: 10, end: 15, zones: ["porch"])),
            End(Object("f-person-2", "front", "person", start: 30, end: 35)),
            End(Object("f-car-1", "front", "car", start: 20, end: 40, zones: ["driveway"])),
            New(Object("b-person-1", "back", "person", start: 40, zones: ["porch", "driveway"])),
            End(Object("b-dog-1", "back", "dog", start: 5, end: 6)),
        ]);
        async Task<string[]> Ids(EventQuery q) => (await Store.QueryAsync(q)).Select(e => e.Id).ToArray();

        Assert.Equal(["b-person-1", "f-person-2", "f-car-1", "f-person-1", "b-dog-1"], await Ids(new EventQuery()));
        Assert.Equal(["f-person-2", "f-car-1", "f-person-1"], await Ids(new EventQuery { Camera = "front" }));
        Assert.Equal(["f-person-2", "f-person-1"], await Ids(new EventQuery { Camera = "front", Label = "person" }));
        Assert.Equal(["b-person-1", "f-person-2", "f-person-1"], await Ids(new EventQuery { Label = "person" }));
        Assert.Equal(["b-person-1", "f-person-1"], await Ids(new EventQuery { Zone = "porch" }));
        Assert.Equal(["f-person-1"], await Ids(new EventQuery { Zone = "porch", Camera = "front" }));
        Assert.Equal(["b-person-1"], await Ids(new EventQuery { Zone = "driveway", After = At(30) }));
        Assert.Empty(await Ids(new EventQuery { Zone = "garden" }));
        Assert.Equal(["f-person-2", "f-car-1"], await Ids(new EventQuery { After = At(20), Before = At(40) })); // start in [after, before)
        Assert.Equal(["f-car-1", "f-person-1", "b-dog-1"], await Ids(new EventQuery { Before = At(30) }));
        Assert.Equal(["b-person-1"], await Ids(new EventQuery { InProgress = true }));
        Assert.Equal(["f-person-2", "f-car-1", "f-person-1", "b-dog-1"], await Ids(new EventQuery { InProgress = false }));
        Assert.Equal(["b-person-1", "f-person-2"], await Ids(new EventQuery { Limit = 2 }));
        Assert.Equal(EventQuery.DefaultLimit, new EventQuery().Limit);
    }

    [Fact]
    public async Task CloseOpenEvents_EndsEachOpenEventOfTheCamerasAtTheLastTimeItsObjectWasSeen()
    {
        await Store.WriteAsync(
        [
            New(Object("open-1", start: 10, frame: 17.25)),
            New(Object("open-2", "back", start: 11, frame: 12.5)),
            End(Object("done", start: 3, end: 8, frame: 8)),
        ]);
        _db.Reopen(); // as after a crash
        Assert.Equal(2, await Store.CloseOpenEventsAsync(["front", "back"]));
        Assert.Equal(At(17.25), (await Store.GetAsync("open-1"))!.EndTime);
        Assert.Equal(At(12.5), (await Store.GetAsync("open-2"))!.EndTime);
        Assert.Equal(At(8), (await Store.GetAsync("done"))!.EndTime);
        Assert.Empty(await Store.QueryAsync(new EventQuery { InProgress = true }));
        Assert.Equal(0, await Store.CloseOpenEventsAsync(["front", "back"]));
    }

    [Fact]
    public async Task Expired_ListsTheCamerasEventsThatEndedBeforeTheCutoff_ButNeverRetainedOrOpenOnes()
    {
        await Store.WriteAsync(
        [
            End(Object("old", start: 0, end: 10)),
            End(Object("old-retained", start: 1, end: 11)),
            End(Object("old-other-camera", "back", start: 2, end: 12)),
            End(Object("recent", start: 50, end: 60)),
            New(Object("open", start: 3, frame: 9)),
        ]);
        Assert.True(await Store.SetRetainAsync("old-retained", true));
        Assert.Equal(["old"], (await Store.ExpiredAsync("front", At(30))).Select(e => e.Id));

        Assert.True(await Store.SetRetainAsync("old-retained", false)); // unmarked: retention takes it again
        Assert.Equal(["old", "old-retained"], (await Store.ExpiredAsync("front", At(30))).Select(e => e.Id));
        Assert.False(await Store.SetRetainAsync("nothing-here", true));
    }

    [Fact]
    public async Task Delete_ReturnsTheFilesNoEventPointsAtAnyMore_KeepingAClipAnotherEventShares()
    {
        var shared = _db.File("front/clips/shared.mp4");
        var segment = _db.File("front/2026-03-01/12-00-00.mp4");
        await Store.WriteAsync(
        [
            End(Object("a", start: 0, end: 10), new EventMedia(_db.File("a.jpg"), _db.File("a-clean.jpg"), shared, [])),
            End(Object("b", start: 5, end: 20), new EventMedia(_db.File("b.jpg"), null, shared, [])),
            End(Object("c", start: 30, end: 40), new EventMedia(null, null, null, [new ClipSpan(segment, 0, 10)])),
        ]);
        var first = await Store.DeleteAsync(["a", "unknown"]);
        Assert.Equal([_db.Directory + "/a.jpg", _db.Directory + "/a-clean.jpg"], first); // the clip is still b's
        Assert.Null(await Store.GetAsync("a"));
        Assert.Equal([_db.Directory + "/b.jpg", shared], await Store.DeleteAsync(["b"]));
        Assert.Empty(await Store.DeleteAsync(["c"])); // segments belong to the recording's retention
        Assert.Empty(await Store.QueryAsync(new EventQuery()));
    }

    [Fact]
    public async Task ForgettingSnapshots_TurnsHasSnapshotFalse_AndALaterQueryDoesNotListThemAgain()
    {
        await Store.WriteAsync(
        [
            End(Object("s", start: 0, end: 10), new EventMedia(_db.File("s.jpg"), _db.File("s-clean.jpg"), null, []) { SnapshotOf = (At(5), new CornerBox(1, 2, 3, 4)) }),
            End(Object("kept", start: 0, end: 10), new EventMedia(_db.File("kept.jpg"), null, null, [])),
        ]);
        await Store.SetRetainAsync("kept", true);
        var old = await Store.SnapshotsOlderThanAsync("front", At(60));
        Assert.Equal(["s"], old.Select(e => e.Id));
        await Store.ForgetSnapshotsAsync(["s"]);
        var forgotten = (await Store.GetAsync("s"))!;
        Assert.False(forgotten.HasSnapshot);
        Assert.Null(forgotten.Media.SnapshotOf);
        Assert.Empty(await Store.SnapshotsOlderThanAsync("front", At(60)));
    }

    [Fact]
    public async Task CloseOpenEvents_LeavesTheOpenEventsOfOtherDaemonsCameras()
    {
        // Two daemons share the history: "front" is this one's, "back" the other's, which is running.
        await Store.WriteAsync([New(Object("mine", "front", start: 10, frame: 12)), New(Object("theirs", "back", start: 11, frame: 13))]);
        _db.Reopen();
        Assert.Equal(1, await Store.CloseOpenEventsAsync(["front"]));
        Assert.Equal(At(12), (await Store.GetAsync("mine"))!.EndTime);
        Assert.True((await Store.GetAsync("theirs"))!.InProgress);
    }

    [Fact]
    public async Task EachEvent_RecordsTheInstanceThatWroteIt_AndQueriesFilterByIt()
    {
        await Store.WriteAsync([End(Object("a1", "front", start: 1, end: 2))]);
        using (var other = _db.Open("other-host"))
        {
            await other.WriteAsync([End(Object("b1", "back", start: 3, end: 4)), New(Object("b2", "back", start: 5))]);
        }
        var all = await Store.QueryAsync(new EventQuery());
        Assert.Equal(["b2", "b1", "a1"], all.Select(e => e.Id));
        Assert.Equal(["other-host", "other-host", _db.Instance], all.Select(e => e.Instance));
        Assert.Equal(["a1"], (await Store.QueryAsync(new EventQuery { Instance = _db.Instance })).Select(e => e.Id));
        Assert.Equal(["b2"], (await Store.QueryAsync(new EventQuery { Instance = "other-host", InProgress = true })).Select(e => e.Id));
        Assert.Equal("other-host", (string?)JsonNode.Parse((await Store.GetAsync("b1"))!.ToJson())!["instance"]);
        // The instance that writes an object's later event is the one recorded (a camera moved to another daemon).
        await Store.WriteAsync([End(Object("b2", "back", start: 5, end: 6))]);
        Assert.Equal(_db.Instance, (await Store.GetAsync("b2"))!.Instance);
    }
}
