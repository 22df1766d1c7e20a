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

/// <summary>A store in a temporary folder, deleted with it.</summary>
internal sealed class TemporaryStore : IDisposable
{
    public TemporaryStore()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ssd-events-").FullName;
        Path = System.IO.Path.Combine(Directory, "events.db");
        Store = SqliteEventStore.Open(Path);
    }

    public string Directory { get; }

    public string Path { get; }

    public SqliteEventStore Store { get; private set; }

    /// <summary>Closes the store and opens the file again, as a restart would.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Store = SqliteEventStore.Open(Path);
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
