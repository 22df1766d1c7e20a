using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using SsdStream.Pipeline.Events;
using SsdStream.Pipeline.Tracking;
using static SsdStream.Pipeline.Tests.Events.EventsTestData;

namespace SsdStream.Pipeline.Tests.Events;

/// <summary>The recorder between the publisher and the store: batches, nothing lost at stop, a full queue refuses without waiting.</summary>
public sealed class EventRecorderTests : IDisposable
{
    private readonly TemporaryStore _db = new();

    public void Dispose() => _db.Dispose();

    /// <summary>The store, noting the size of each batch it is given; it can be told to refuse the first ones.</summary>
    private sealed class CountingStore(IEventStore inner, int failFirst = 0) : IEventStore
    {
        private int _calls;

        public ConcurrentQueue<int> Batches { get; } = new();

        public Task WriteAsync(IReadOnlyList<(ObjectEvent Event, EventMedia Media)> batch, CancellationToken cancellation = default)
        {
            if (Interlocked.Increment(ref _calls) <= failFirst) throw new IOException("disk full");
            Batches.Enqueue(batch.Count);
            return inner.WriteAsync(batch, cancellation);
        }

        public Task<IReadOnlyList<StoredEvent>> QueryAsync(EventQuery query, CancellationToken cancellation = default) => inner.QueryAsync(query, cancellation);
        public Task<StoredEvent?> GetAsync(string id, CancellationToken cancellation = default) => inner.GetAsync(id, cancellation);
        public Task<bool> SetRetainAsync(string id, bool retain, CancellationToken cancellation = default) => inner.SetRetainAsync(id, retain, cancellation);
        public Task<int> CloseOpenEventsAsync(IReadOnlyCollection<string> cameras, CancellationToken cancellation = default) => inner.CloseOpenEventsAsync(cameras, cancellation);
        public Task<IReadOnlyList<StoredEvent>> ExpiredAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default) => inner.ExpiredAsync(camera, endedBefore, cancellation);
        public Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyCollection<string> ids, CancellationToken cancellation = default) => inner.DeleteAsync(ids, cancellation);
        public Task<IReadOnlyList<StoredEvent>> SnapshotsOlderThanAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default) => inner.SnapshotsOlderThanAsync(camera, endedBefore, cancellation);
        public Task ForgetSnapshotsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellation = default) => inner.ForgetSnapshotsAsync(ids, cancellation);
        public Task<IReadOnlySet<string>> RetainedFilesAsync(CancellationToken cancellation = default) => inner.RetainedFilesAsync(cancellation);
    }

    [Fact]
    public async Task EverythingQueuedBeforeCompletion_IsStored_InBatchesOfAtMostTheLimit()
    {
        var store = new CountingStore(_db.Store);
        var queue = new EventQueue(capacity: 2000);
        for (int i = 0; i < 1000; i++)
        {
            var o = Object($"o{i:0000}", camera: $"cam{i % 3}", start: i);
            Assert.True(queue.TryAdd(new ObjectEvent(ObjectEventType.New, o, o), EventMedia.None));
            var ended = Object($"o{i:0000}", camera: $"cam{i % 3}", start: i, end: i + 0.5);
            Assert.True(queue.TryAdd(new ObjectEvent(ObjectEventType.End, o, ended), EventMedia.None));
        }
        queue.Complete();
        var recorder = new EventRecorder(store, NullLogger.Instance, maxBatch: 200, maxDelay: TimeSpan.FromSeconds(5));
        await recorder.RunAsync(queue).WaitAsync(TimeSpan.FromSeconds(60)); // ends by itself once the queue is drained

        Assert.Equal(2000, recorder.WrittenEvents);
        Assert.Equal(Enumerable.Repeat(200, 10), store.Batches); // a full batch never waits for its delay
        var stored = await _db.Store.QueryAsync(new EventQuery { Limit = 5000 });
        Assert.Equal(1000, stored.Count);
        Assert.All(stored, e => Assert.False(e.InProgress));
        Assert.Equal(0, queue.Dropped);
    }

    [Fact]
    public async Task ALoneEvent_IsStoredWithoutWaitingForMore_WhileTheQueueStaysOpen()
    {
        var queue = new EventQueue();
        var recorder = new EventRecorder(_db.Store, NullLogger.Instance, maxDelay: TimeSpan.FromMilliseconds(200));
        var run = recorder.RunAsync(queue);
        var o = Object("lone");
        queue.TryAdd(new ObjectEvent(ObjectEventType.New, o, o), EventMedia.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await _db.Store.GetAsync("lone") is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the event was not stored while the queue stayed open");
            await Task.Delay(20);
        }
        Assert.False(run.IsCompleted);
        queue.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, recorder.Batches);
    }

    [Fact]
    public async Task AFullQueue_RefusesTheNewEventAndCountsIt_KeepingEveryEventQueuedBefore()
    {
        var queue = new EventQueue(capacity: 2);
        var a = Object("a", start: 0, end: 1);
        var b = Object("b", start: 1, end: 2);
        var c = Object("c", start: 2, end: 3);
        Assert.True(queue.TryAdd(new ObjectEvent(ObjectEventType.End, a, a), EventMedia.None));
        Assert.True(queue.TryAdd(new ObjectEvent(ObjectEventType.End, b, b), EventMedia.None));
        Assert.False(queue.TryAdd(new ObjectEvent(ObjectEventType.End, c, c), EventMedia.None)); // returns at once: nobody reads yet
        Assert.Equal(1, queue.Dropped);
        queue.Complete();
        await new EventRecorder(_db.Store, NullLogger.Instance).RunAsync(queue).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["b", "a"], (await _db.Store.QueryAsync(new EventQuery())).Select(e => e.Id));
    }

    [Fact]
    public async Task ABatchTheStoreRefuses_IsCountedAsLost_AndTheNextBatchIsStored()
    {
        var store = new CountingStore(_db.Store, failFirst: 1);
        var queue = new EventQueue();
        var recorder = new EventRecorder(store, NullLogger.Instance, maxBatch: 2);
        foreach (var id in new[] { "lost-1", "lost-2", "kept" })
        {
            var o = Object(id, end: 1);
            queue.TryAdd(new ObjectEvent(ObjectEventType.End, o, o), EventMedia.None);
        }
        queue.Complete();
        await recorder.RunAsync(queue).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, recorder.FailedEvents);
        Assert.Equal(1, recorder.WrittenEvents);
        Assert.Equal(["kept"], (await _db.Store.QueryAsync(new EventQuery())).Select(e => e.Id));
    }
}
