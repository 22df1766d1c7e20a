using System.CommandLine;
using System.Globalization;
using System.Text;
using SsdStream.Pipeline.Events;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Commands;

/// <summary>
/// <c>ssdstream events</c>: the events store, from the command line. Lists events (a table, or one JSON
/// line each), marks one to be kept past retention (<c>retain</c>), or copies one's snapshots, clip or
/// segments and its JSON into a folder (<c>export</c>). The store is the daemon's, from its configuration
/// (<c>Events:ConnectionString</c>'s PostgreSQL server, or the SQLite file <c>Events:Database</c>,
/// <c>&lt;Recording:Directory&gt;/events.db</c> by default), unless <c>--db</c> names an SQLite file.
/// </summary>
internal static class EventsCommand
{
    public static Command Create()
    {
        var camera = new Option<string?>("--camera") { HelpName = "camera", Description = "Only this camera's events" };
        var label = new Option<string?>("--label") { HelpName = "label", Description = "Only events of this label" };
        var zone = new Option<string?>("--zone") { HelpName = "zone", Description = "Only events whose object entered this zone" };
        var instance = new Option<string?>("--instance") { HelpName = "instance", Description = "Only events of this daemon instance (a history several daemons share)" };
        var after = Time("--after", "Only events that started at or after this time: ISO 8601 (UTC unless it names an offset) or Unix seconds");
        var before = Time("--before", "Only events that started before this time: ISO 8601 (UTC unless it names an offset) or Unix seconds");
        var limit = new Option<int>("--limit") { Description = "The most events listed", DefaultValueFactory = _ => EventQuery.DefaultLimit }
            .Accepting(v => v >= 1, "at least 1");
        var json = new Option<bool>("--json") { Description = "One JSON object per line (the event's fields, media paths and retain) instead of a table" };
        var db = Database();
        var command = new Command("events", "List events from the events store, newest first") { camera, label, zone, instance, after, before, limit, json, db, Retain(), Export() };
        command.SetAction((parse, cancellation) => CommandErrors.RunAsync(async () =>
        {
            using var store = OpenStore(parse.GetValue(db));
            if (store is null) return ExitCodes.Configuration;
            var events = await store.QueryAsync(new EventQuery
            {
                Camera = parse.GetValue(camera),
                Label = parse.GetValue(label),
                Zone = parse.GetValue(zone),
                Instance = parse.GetValue(instance),
                After = parse.GetValue(after),
                Before = parse.GetValue(before),
                Limit = parse.GetValue(limit),
            }, cancellation);
            if (parse.GetValue(json))
            {
                foreach (var e in events) Console.WriteLine(e.ToJson());
            }
            else
            {
                PrintTable(events);
            }
            return 0;
        }));
        return command;
    }

    /// <summary><c>ssdstream events retain &lt;id&gt;</c>: keeps an event (and its media) past retention; <c>--off</c> lets it go again.</summary>
    private static Command Retain()
    {
        var id = new Argument<string>("id") { Description = "The event's id" };
        var off = new Option<bool>("--off") { Description = "Unmark it: retention treats it as any other event again" };
        var db = Database();
        var command = new Command("retain", "Keep an event and its media past retention (or, with --off, no longer)") { id, off, db };
        command.SetAction((parse, cancellation) => CommandErrors.RunAsync(async () =>
        {
            using var store = OpenStore(parse.GetValue(db));
            if (store is null) return ExitCodes.Configuration;
            var eventId = parse.GetValue(id)!;
            bool retain = !parse.GetValue(off);
            if (!await store.SetRetainAsync(eventId, retain, cancellation)) throw UnknownEvent(eventId, store);
            Console.WriteLine(retain ? $"event {eventId} is retained" : $"event {eventId} is no longer retained");
            return 0;
        }));
        return command;
    }

    /// <summary><c>ssdstream events export &lt;id&gt; --out &lt;dir&gt;</c>: the event's files and its JSON, in one folder.</summary>
    private static Command Export()
    {
        var id = new Argument<string>("id") { Description = "The event's id" };
        var output = new Option<DirectoryInfo>("--out") { HelpName = "dir", Description = "Folder to copy into (made when missing)", Required = true };
        var db = Database();
        var command = new Command("export", "Copy an event's snapshots, clip (or segments) and event.json into a folder") { id, output, db };
        command.SetAction((parse, cancellation) => CommandErrors.RunAsync(async () =>
        {
            using var store = OpenStore(parse.GetValue(db));
            if (store is null) return ExitCodes.Configuration;
            var eventId = parse.GetValue(id)!;
            var e = await store.GetAsync(eventId, cancellation) ?? throw UnknownEvent(eventId, store);
            var folder = Directory.CreateDirectory(parse.GetValue(output)!.FullName).FullName;
            if (e.Media.Snapshot is { } snapshot) Copy("snapshot", snapshot, folder, Path.GetFileName(snapshot));
            if (e.Media.CleanSnapshot is { } clean) Copy("clean snapshot", clean, folder, Path.GetFileName(clean));
            if (e.Media.Clip is { } clip) Copy("clip", clip, folder, Path.GetFileName(clip));
            for (int i = 0; i < e.Media.Segments.Count; i++)
            {
                // Segments of different days share file names (HH-mm-ss.mp4): numbered in time order.
                var segment = e.Media.Segments[i];
                Copy("segment", segment.Path, folder, $"segment-{i + 1}-{Path.GetFileName(segment.Path)}");
            }
            var json = Path.Combine(folder, "event.json");
            await File.WriteAllTextAsync(json, e.ToJson(indented: true) + "\n", cancellation);
            Console.WriteLine($"wrote {json}");
            return 0;
        }));
        return command;
    }

    private static Option<FileInfo?> Database() => new("--db")
    {
        HelpName = "events.db",
        Description = $"An SQLite events database (default: the daemon's store, Events:ConnectionString or <Recording:Directory>/{SqliteEventStore.DefaultFileName})",
    };

    /// <summary>A time given as ISO 8601 (UTC when it names no offset) or Unix seconds; anything else is a parse error naming the option.</summary>
    private static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "time",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (EventQuery.ParseTime(text) is { } time) return time;
            result.AddError($"{name} must be an ISO 8601 time (2026-07-01T12:00:00Z) or Unix seconds (got '{text}')");
            return null;
        },
    };

    /// <summary>
    /// The SQLite file <c>--db</c> names, or the daemon's store from its configuration: the PostgreSQL server
    /// of <c>Events:ConnectionString</c>, or the SQLite file <c>Events:Database</c>. Null (after saying why)
    /// when the daemon's configuration cannot be used. A file that is not there is bad input (never made anew).
    /// </summary>
    private static SqlEventStore? OpenStore(FileInfo? given)
    {
        if (given != null) return OpenFile(given.FullName);
        EventsOptions events;
        try
        {
            events = DaemonConfiguration.Load(ContentRoot.FromEnvironment(), null, [], Environment.GetEnvironmentVariables()).Options.Events;
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine($"error: the daemon's configuration, which says where the events store is, cannot be used: {e.Errors[0]} (or name an SQLite database with --db)");
            return null;
        }
        return events.UsesServer ? events.Open() : OpenFile(events.Database);
    }

    private static SqliteEventStore OpenFile(string path)
    {
        if (!File.Exists(path)) throw new BadInputException($"no events database at '{path}'");
        return SqliteEventStore.Open(path);
    }

    private static BadInputException UnknownEvent(string id, SqlEventStore store) => new($"no event '{id}' in {store.Description}");

    private static void Copy(string what, string source, string folder, string name)
    {
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"note: the {what} '{source}' is gone (retention, or deleted); not exported");
            return;
        }
        var target = Path.Combine(folder, name);
        File.Copy(source, target, overwrite: true);
        Console.WriteLine($"wrote {target}");
    }

    private static void PrintTable(IReadOnlyList<StoredEvent> events)
    {
        if (events.Count == 0)
        {
            Console.WriteLine("no events");
            return;
        }
        string[] header = ["ID", "INSTANCE", "CAMERA", "LABEL", "START (UTC)", "LENGTH", "TOP SCORE", "ZONES", "MEDIA", "RETAIN"];
        var rows = events.Select(e => new[]
        {
            e.Id,
            e.Instance.Length == 0 ? "-" : e.Instance,
            e.Camera,
            e.Label,
            e.StartTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            e.EndTime is { } end ? ((end - e.StartTime).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s") : "in progress",
            e.Object.TopScore.ToString("0.00", CultureInfo.InvariantCulture),
            e.Object.EnteredZones.Count == 0 ? "-" : string.Join(',', e.Object.EnteredZones),
            (e.HasSnapshot, e.HasClip) switch { (true, true) => "snapshot+clip", (true, false) => "snapshot", (false, true) => "clip", _ => "-" },
            e.Retain ? "yes" : "no",
        }).ToList();
        var widths = header.Select((h, i) => rows.Max(r => r[i].Length) is var w && w > h.Length ? w : h.Length).ToArray();
        var line = new StringBuilder();
        foreach (var row in rows.Prepend(header))
        {
            line.Clear();
            for (int i = 0; i < row.Length; i++) line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            Console.WriteLine(line.ToString());
        }
    }
}
