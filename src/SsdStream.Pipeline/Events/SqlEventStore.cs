using System.Data.Common;
using System.Text;
using System.Text.Json;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// The events store's tables and queries, the same on every database it runs on (<see cref="SqliteEventStore"/>
/// on the daemon's disk, <see cref="PostgresEventStore"/> for a history several daemons share): one row per
/// object id, updated in place by each of its events, with the instance that wrote it; the zones each event
/// entered are also in a side table with the event's start time, indexed for the zone filter. Times are kept
/// in Unix milliseconds (the precision of the events' JSON). Each call takes a pooled connection of its own,
/// so calls from several threads do not share one. Every value goes in as a parameter (<c>@name</c>, which
/// both databases read).
/// </summary>
public abstract class SqlEventStore : IEventStore, IDisposable
{
    private const string Columns =
        "id, camera, label, score, top_score, x1, y1, x2, y2, nx1, ny1, nx2, ny2, area, start_time, end_time, frame_time, "
        + "current_zones, entered_zones, stationary, active, false_positive, best_frame_time, best_x1, best_y1, best_x2, best_y2, "
        + "snapshot, clean_snapshot, clip, segments, snapshot_time, snapshot_x1, snapshot_y1, snapshot_x2, snapshot_y2, instance, retain";

    private static readonly string QualifiedColumns = string.Join(", ", Columns.Split(", ").Select(c => "e." + c));

    private static readonly string[] WrittenColumns = Columns.Split(", ")[..^1]; // all but retain, the user's

    private static readonly string Upsert =
        $"INSERT INTO events ({string.Join(", ", WrittenColumns)}) VALUES ({string.Join(", ", WrittenColumns.Select(c => "@" + c))}) "
        + "ON CONFLICT (id) DO UPDATE SET "
        + string.Join(", ", WrittenColumns.Skip(1).Select(c => c switch
        {
            // Media only add up: an event that names none keeps what an earlier one stored.
            "snapshot" or "clean_snapshot" or "clip" or "segments" or "snapshot_time" or "snapshot_x1" or "snapshot_y1" or "snapshot_x2" or "snapshot_y2"
                => $"{c} = COALESCE(excluded.{c}, events.{c})",
            _ => $"{c} = excluded.{c}",
        }));

    /// <param name="instance">The daemon instance this store writes events for (<see cref="StoredEvent.Instance"/>); empty for a reader.</param>
    protected SqlEventStore(string instance) => Instance = instance;

    /// <summary>The instance recorded on every event this store writes.</summary>
    public string Instance { get; }

    /// <summary>The schema version this build reads and writes.</summary>
    public static int SchemaVersion => EventStoreSchema.Version;

    /// <summary>Where the events are, for log lines and messages: a file, or a server and database (never a password).</summary>
    public abstract string Description { get; }

    /// <summary>A new, unopened connection from the store's pool.</summary>
    protected abstract DbConnection CreateConnection();

    /// <summary>Closes the pooled connections.</summary>
    public abstract void Dispose();

    /// <summary>Migrates the database to <see cref="SchemaVersion"/> (<see cref="EventStoreSchema.Migrate"/>).</summary>
    private protected void Migrate(DbConnection connection, ISchemaVersions versions) => EventStoreSchema.Migrate(connection, versions, Description);

    private protected DbConnection Connect()
    {
        var connection = CreateConnection();
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private async Task<DbConnection> ConnectAsync(CancellationToken cancellation)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellation).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task WriteAsync(IReadOnlyList<(ObjectEvent Event, EventMedia Media)> batch, CancellationToken cancellation = default)
    {
        if (batch.Count == 0) return;
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        await using var upsert = Command(connection, transaction, Upsert);
        foreach (var column in WrittenColumns) Parameter(upsert, column);
        await using var clearZones = Command(connection, transaction, "DELETE FROM event_zones WHERE event_id = @id");
        var clearId = Parameter(clearZones, "id");
        await using var addZone = Command(connection, transaction, "INSERT INTO event_zones (event_id, zone, start_time) VALUES (@id, @zone, @start) ON CONFLICT DO NOTHING");
        var zoneId = Parameter(addZone, "id");
        var zoneName = Parameter(addZone, "zone");
        var zoneStart = Parameter(addZone, "start");
        foreach (var (e, media) in batch)
        {
            Bind(upsert.Parameters, e.After, media, Instance);
            await upsert.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
            clearId.Value = e.After.Id;
            await clearZones.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
            zoneId.Value = e.After.Id;
            zoneStart.Value = e.After.StartTime.ToUnixTimeMilliseconds();
            foreach (var zone in e.After.EnteredZones)
            {
                zoneName.Value = zone;
                await addZone.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync(cancellation).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredEvent>> QueryAsync(EventQuery query, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query));
        var where = new List<string>();
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder($"SELECT {QualifiedColumns} FROM events e");
        // With a zone, the zone's rows (newest first by their copy of start_time) lead and events are looked up by id.
        string start = "e.start_time";
        if (query.Zone is { } zone)
        {
            sql.Append(" JOIN event_zones z ON z.event_id = e.id");
            where.Add("z.zone = @zone");
            Parameter(command, "zone", zone);
            start = "z.start_time";
        }
        if (query.Camera is { } camera) { where.Add("e.camera = @camera"); Parameter(command, "camera", camera); }
        if (query.Label is { } label) { where.Add("e.label = @label"); Parameter(command, "label", label); }
        if (query.Instance is { } instance) { where.Add("e.instance = @instance"); Parameter(command, "instance", instance); }
        if (query.After is { } after) { where.Add($"{start} >= @after"); Parameter(command, "after", after.ToUnixTimeMilliseconds()); }
        if (query.Before is { } before) { where.Add($"{start} < @before"); Parameter(command, "before", before.ToUnixTimeMilliseconds()); }
        if (query.InProgress is { } open) where.Add(open ? "e.end_time IS NULL" : "e.end_time IS NOT NULL");
        if (where.Count > 0) sql.Append(" WHERE ").AppendJoin(" AND ", where);
        sql.Append($" ORDER BY {start} DESC LIMIT @limit");
        Parameter(command, "limit", query.Limit);
        command.CommandText = sql.ToString();
        return await ReadAllAsync(command, cancellation).ConfigureAwait(false);
    }

    public async Task<StoredEvent?> GetAsync(string id, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM events WHERE id = @id");
        Parameter(command, "id", id);
        var found = await ReadAllAsync(command, cancellation).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<bool> SetRetainAsync(string id, bool retain, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var command = Command(connection, null, "UPDATE events SET retain = @retain WHERE id = @id");
        Parameter(command, "retain", retain ? 1L : 0L);
        Parameter(command, "id", id);
        return await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false) > 0;
    }

    public async Task<int> CloseOpenEventsAsync(IReadOnlyCollection<string> cameras, CancellationToken cancellation = default)
    {
        if (cameras.Count == 0) return 0;
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        await using var command = Command(connection, transaction, "UPDATE events SET end_time = frame_time WHERE end_time IS NULL AND camera = @camera");
        var camera = Parameter(command, "camera");
        int closed = 0;
        foreach (var name in cameras)
        {
            camera.Value = name;
            closed += await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellation).ConfigureAwait(false);
        return closed;
    }

    public async Task<IReadOnlyList<StoredEvent>> ExpiredAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var command = Command(connection, null,
            $"SELECT {Columns} FROM events WHERE camera = @camera AND retain = 0 AND end_time < @before ORDER BY end_time");
        Parameter(command, "camera", camera);
        Parameter(command, "before", endedBefore.ToUnixTimeMilliseconds());
        return await ReadAllAsync(command, cancellation).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyCollection<string> ids, CancellationToken cancellation = default)
    {
        var orphans = new List<string>();
        if (ids.Count == 0) return orphans;
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        await using var media = Command(connection, transaction, "SELECT snapshot, clean_snapshot, clip FROM events WHERE id = @id");
        var mediaId = Parameter(media, "id");
        await using var deleteEvent = Command(connection, transaction, "DELETE FROM events WHERE id = @id");
        var eventId = Parameter(deleteEvent, "id");
        await using var deleteZones = Command(connection, transaction, "DELETE FROM event_zones WHERE event_id = @id");
        var zonesId = Parameter(deleteZones, "id");
        var clips = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            mediaId.Value = id;
            await using (var reader = await media.ExecuteReaderAsync(cancellation).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellation).ConfigureAwait(false)) continue;
                for (int i = 0; i < 2; i++) if (!reader.IsDBNull(i)) orphans.Add(reader.GetString(i));
                if (!reader.IsDBNull(2)) clips.Add(reader.GetString(2));
            }
            eventId.Value = id;
            await deleteEvent.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
            zonesId.Value = id;
            await deleteZones.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }
        // A clip that overlapping events share goes only with the last of them.
        await using var shared = Command(connection, transaction, "SELECT 1 FROM events WHERE clip = @clip LIMIT 1");
        var clipParameter = Parameter(shared, "clip");
        foreach (var clip in clips)
        {
            clipParameter.Value = clip;
            if (await shared.ExecuteScalarAsync(cancellation).ConfigureAwait(false) is null) orphans.Add(clip);
        }
        await transaction.CommitAsync(cancellation).ConfigureAwait(false);
        return orphans;
    }

    public async Task<IReadOnlyList<StoredEvent>> SnapshotsOlderThanAsync(string camera, DateTimeOffset endedBefore, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var command = Command(connection, null,
            $"SELECT {Columns} FROM events WHERE camera = @camera AND retain = 0 AND end_time < @before "
            + "AND (snapshot IS NOT NULL OR clean_snapshot IS NOT NULL) ORDER BY end_time");
        Parameter(command, "camera", camera);
        Parameter(command, "before", endedBefore.ToUnixTimeMilliseconds());
        return await ReadAllAsync(command, cancellation).ConfigureAwait(false);
    }

    public async Task<IReadOnlySet<string>> RetainedFilesAsync(CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM events WHERE retain = 1");
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in await ReadAllAsync(command, cancellation).ConfigureAwait(false))
        {
            foreach (var path in new[] { e.Media.Snapshot, e.Media.CleanSnapshot, e.Media.Clip }.Concat(e.Media.Segments.Select(s => s.Path)))
            {
                if (path != null) files.Add(path);
            }
        }
        return files;
    }

    public async Task ForgetSnapshotsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellation = default)
    {
        if (ids.Count == 0) return;
        await using var connection = await ConnectAsync(cancellation).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellation).ConfigureAwait(false);
        await using var command = Command(connection, transaction, "UPDATE events SET snapshot = NULL, clean_snapshot = NULL, snapshot_time = NULL, "
            + "snapshot_x1 = NULL, snapshot_y1 = NULL, snapshot_x2 = NULL, snapshot_y2 = NULL WHERE id = @id");
        var id = Parameter(command, "id");
        foreach (var value in ids)
        {
            id.Value = value;
            await command.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellation).ConfigureAwait(false);
    }

    private protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Adds the parameter <c>@name</c> to <paramref name="command"/> (null: to be set before each run).</summary>
    private static DbParameter Parameter(DbCommand command, string name, object? value = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Sets the upsert's parameters, in the order of <see cref="WrittenColumns"/>; integers go in as 64 bits, reals as doubles.</summary>
    private static void Bind(DbParameterCollection p, ObjectSnapshot o, EventMedia media, string instance)
    {
        int i = 0;
        void Set(object? value) => p[i++].Value = value ?? DBNull.Value;
        Set(o.Id);
        Set(o.Camera);
        Set(o.Label);
        Set((double)o.Score);
        Set((double)o.TopScore);
        SetBox(o.Box);
        SetBox(o.BoxNormalized);
        Set((double)o.Area);
        Set(o.StartTime.ToUnixTimeMilliseconds());
        Set(o.EndTime?.ToUnixTimeMilliseconds());
        Set(o.FrameTime.ToUnixTimeMilliseconds());
        Set(JsonSerializer.Serialize(o.CurrentZones));
        Set(JsonSerializer.Serialize(o.EnteredZones));
        Set(o.Stationary ? 1L : 0L);
        Set(o.Active ? 1L : 0L);
        Set(o.FalsePositive ? 1L : 0L);
        Set(o.BestFrameTime.ToUnixTimeMilliseconds());
        SetBox(o.BestBox);
        Set(media.Snapshot);
        Set(media.CleanSnapshot);
        Set(media.Clip);
        Set(media.Segments.Count == 0 ? null : SegmentsJson(media.Segments));
        Set(media.SnapshotOf?.Time.ToUnixTimeMilliseconds());
        Set((double?)media.SnapshotOf?.Box.X1);
        Set((double?)media.SnapshotOf?.Box.Y1);
        Set((double?)media.SnapshotOf?.Box.X2);
        Set((double?)media.SnapshotOf?.Box.Y2);
        Set(instance);

        void SetBox(CornerBox b)
        {
            Set((double)b.X1);
            Set((double)b.Y1);
            Set((double)b.X2);
            Set((double)b.Y2);
        }
    }

    private static async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(DbCommand command, CancellationToken cancellation)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellation).ConfigureAwait(false)) events.Add(Read(reader));
        return events;
    }

    /// <summary>One row, its columns in the order of <see cref="Columns"/>.</summary>
    private static StoredEvent Read(DbDataReader r)
    {
        int i = 0;
        string Text() => r.GetString(i++);
        string? OptionalText() => r.IsDBNull(i) ? Skip<string>() : r.GetString(i++);
        float Float() => (float)r.GetDouble(i++);
        bool Flag() => r.GetInt64(i++) != 0;
        DateTimeOffset Time() => DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i++));
        DateTimeOffset? OptionalTime() => r.IsDBNull(i) ? Skip<DateTimeOffset?>() : Time();
        CornerBox Box() => new(Float(), Float(), Float(), Float());
        IReadOnlyList<string> Zones() => JsonSerializer.Deserialize<string[]>(Text()) ?? [];
        T? Skip<T>() { i++; return default; }

        var o = new ObjectSnapshot(
            Id: Text(), Camera: Text(), Label: Text(), Score: Float(), TopScore: Float(), Box: Box(), BoxNormalized: Box(), Area: Float(),
            StartTime: Time(), EndTime: OptionalTime(), FrameTime: Time(), CurrentZones: Zones(), EnteredZones: Zones(),
            Stationary: Flag(), Active: Flag(), FalsePositive: Flag(), BestFrameTime: Time(), BestBox: Box());
        var media = new EventMedia(OptionalText(), OptionalText(), OptionalText(), OptionalText() is { } segments ? ReadSegments(segments) : []);
        if (OptionalTime() is { } snapshotTime) media = media with { SnapshotOf = (snapshotTime, Box()) };
        else i += 4;
        var instance = Text();
        return new StoredEvent(o, media, Flag()) { Instance = instance };
    }

    private static string SegmentsJson(IReadOnlyList<ClipSpan> segments) =>
        JsonSerializer.Serialize(segments.Select(s => new SegmentRow(s.Path, s.StartOffsetSeconds, s.EndOffsetSeconds)));

    private static IReadOnlyList<ClipSpan> ReadSegments(string json) =>
        (JsonSerializer.Deserialize<SegmentRow[]>(json) ?? []).Select(s => new ClipSpan(s.Path, s.Start, s.End)).ToList();

    /// <summary>A segment as the <c>segments</c> column keeps it (a JSON array of these).</summary>
    private sealed record SegmentRow(string Path, double Start, double End);
}
