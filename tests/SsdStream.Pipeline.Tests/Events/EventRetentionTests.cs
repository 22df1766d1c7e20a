using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Events;
using static SsdStream.Pipeline.Tests.Events.EventsTestData;

namespace SsdStream.Pipeline.Tests.Events;

/// <summary>Retention of events: an expired event goes with its files; a retained one, and a clip still shared, stay.</summary>
public sealed class EventRetentionTests : IDisposable
{
    private readonly TemporaryStore _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task AnExpiredEvent_GoesWithItsSnapshotsAndClip_AndARetainedOneKeepsEverything()
    {
        var expired = new EventMedia(_db.File("front/snapshots/old.jpg"), _db.File("front/snapshots/old-clean.jpg"), _db.File("front/clips/old.mp4"), []);
        var retained = new EventMedia(_db.File("front/snapshots/keep.jpg"), _db.File("front/snapshots/keep-clean.jpg"), _db.File("front/clips/keep.mp4"), []);
        await _db.Store.WriteAsync([End(Object("old", start: 0, end: 10), expired), End(Object("keep", start: 1, end: 12), retained)]);
        await _db.Store.SetRetainAsync("keep", true);

        var retention = new EventRetention(_db.Store, NullLogger.Instance);
        Assert.Equal(1, await retention.RemoveExpiredAsync("front", At(3600)));

        Assert.Null(await _db.Store.GetAsync("old"));
        Assert.False(File.Exists(expired.Snapshot) || File.Exists(expired.CleanSnapshot) || File.Exists(expired.Clip));
        Assert.NotNull(await _db.Store.GetAsync("keep"));
        Assert.True(File.Exists(retained.Snapshot) && File.Exists(retained.CleanSnapshot) && File.Exists(retained.Clip));
        Assert.Equal(0, await retention.RemoveExpiredAsync("front", At(3600)));
    }

    [Fact]
    public async Task AClipSharedWithAnEventNotYetExpired_StaysUntilThatOneExpires()
    {
        var clip = _db.File("front/clips/shared.mp4");
        await _db.Store.WriteAsync(
        [
            End(Object("first", start: 0, end: 10), new EventMedia(null, null, clip, [])),
            End(Object("second", start: 8, end: 100), new EventMedia(null, null, clip, [])),
        ]);
        var retention = new EventRetention(_db.Store, NullLogger.Instance);
        Assert.Equal(1, await retention.RemoveExpiredAsync("front", At(50)));
        Assert.True(File.Exists(clip));
        Assert.Equal(1, await retention.RemoveExpiredAsync("front", At(200)));
        Assert.False(File.Exists(clip));
    }

    [Fact]
    public async Task OldSnapshots_AreDeletedOnTheirOwnAgeLimit_WhileTheEventAndItsClipStay()
    {
        var media = new EventMedia(_db.File("front/snapshots/e.jpg"), _db.File("front/snapshots/e-clean.jpg"), _db.File("front/clips/e.mp4"), []);
        await _db.Store.WriteAsync([End(Object("e", start: 0, end: 10), media), End(Object("new", start: 100, end: 110), new EventMedia(_db.File("front/snapshots/new.jpg"), null, null, []))]);
        var retention = new EventRetention(_db.Store, NullLogger.Instance);
        Assert.Equal(1, await retention.RemoveOldSnapshotsAsync("front", At(60)));
        Assert.False(File.Exists(media.Snapshot) || File.Exists(media.CleanSnapshot));
        Assert.True(File.Exists(media.Clip));
        Assert.True((await _db.Store.GetAsync("new"))!.HasSnapshot); // ended after the limit
        var stored = (await _db.Store.GetAsync("e"))!;
        Assert.False(stored.HasSnapshot);
        Assert.True(stored.HasClip);
    }
}
