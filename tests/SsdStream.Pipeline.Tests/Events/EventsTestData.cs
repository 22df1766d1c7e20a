using SsdStream.Pipeline.Events;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Tests.Events;

/// <summary>Objects and events for the store's tests; times in whole milliseconds (the store's precision).</summary>
internal static class EventsTestData
{
    public static DateTimeOffset T0 { get; } = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset At(double seconds) => T0.AddMilliseconds(Math.Round(seconds * 1000));

    /// <summary>An object of a 640 x 480 frame that started at <paramref name="start"/> seconds after <see cref="T0"/>.</summary>
    public static ObjectSnapshot Object(string id, string camera = "front", string label = "person", double start = 0, double? end = null,
        double? frame = null, string[]? zones = null, float score = 0.8f, bool stationary = false)
    {
        var box = new CornerBox(100.5f, 50.25f, 220f, 400f);
        zones ??= [];
        return new ObjectSnapshot(id, camera, label, score, score + 0.05f, box, new CornerBox(box.X1 / 640, box.Y1 / 480, box.X2 / 640, box.Y2 / 480),
            box.Area, At(start), end is { } e ? At(e) : null, At(frame ?? end ?? start + 1), zones, zones, stationary, !stationary, false,
            At(start + 0.5), box);
    }

    public static (ObjectEvent, EventMedia) New(ObjectSnapshot o, EventMedia? media = null) => (new ObjectEvent(ObjectEventType.New, o, o), media ?? EventMedia.None);

    public static (ObjectEvent, EventMedia) Update(ObjectSnapshot before, ObjectSnapshot after, EventMedia? media = null) =>
        (new ObjectEvent(ObjectEventType.Update, before, after), media ?? EventMedia.None);

    public static (ObjectEvent, EventMedia) End(ObjectSnapshot o, EventMedia? media = null) => (new ObjectEvent(ObjectEventType.End, o, o), media ?? EventMedia.None);

    /// <summary>An object as <see cref="Results.ObjectJson"/> writes it (the MQTT form), with the saved snapshot's time and box when given.</summary>
    public static string Json(ObjectSnapshot o, (DateTimeOffset Time, CornerBox Box)? snapshot = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer)) Results.ObjectJson.Write(w, o, snapshot: snapshot);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>A store to test against, with a temporary folder for media files; both go when it is disposed.</summary>
internal abstract class StoreUnderTest : IDisposable
{
    protected StoreUnderTest(string instance)
    {
        Instance = instance;
        Directory = System.IO.Directory.CreateTempSubdirectory("ssd-events-").FullName;
    }

    public string Directory { get; }

    /// <summary>The instance the store writes events as.</summary>
    public string Instance { get; }

    public SqlEventStore Store { get; protected set; } = null!;

    /// <summary>Opens the database anew, as another process (or a restart) would, writing as <paramref name="instance"/>.</summary>
    public abstract SqlEventStore Open(string instance);

    /// <summary>Closes the store and opens the database again, as a restart would.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Store = Open(Instance);
    }

    /// <summary>A file in the folder with some bytes, for media.</summary>
    public string File(string name)
    {
        var path = System.IO.Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 1, 2, 3]);
        return path;
    }

    public void Dispose()
    {
        Store.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>An SQLite store in the temporary folder.</summary>
internal sealed class TemporaryStore : StoreUnderTest
{
    public TemporaryStore(string instance = "test") : base(instance)
    {
        Path = System.IO.Path.Combine(Directory, "events.db");
        Store = Open(instance);
    }

    public string Path { get; }

    public override SqlEventStore Open(string instance) => SqliteEventStore.Open(Path, instance);
}

/// <summary>A store in a new schema of a real PostgreSQL server's database.</summary>
internal sealed class TemporaryPostgresStore : StoreUnderTest
{
    public TemporaryPostgresStore(PostgresTestServer server, string instance = "test") : base(instance)
    {
        Server = server;
        Schema = server.CreateSchema();
        Store = Open(instance);
    }

    public PostgresTestServer Server { get; }

    public string Schema { get; }

    public override SqlEventStore Open(string instance) => PostgresEventStore.Open(Server.ConnectionString(Schema), instance);
}
