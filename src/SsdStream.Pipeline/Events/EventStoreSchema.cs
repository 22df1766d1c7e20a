using System.Data.Common;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// The schema of the events store and its forward migrations, one list for every database it runs on
/// (<see cref="SqliteEventStore"/>, <see cref="PostgresEventStore"/>). The stored version is the number of
/// migrations applied: 0 for a new (empty) database. Each migration runs in its own transaction with the
/// version it sets, so a crash leaves the database at the previous version or the next, never between. A
/// change of schema is a new migration at the end of <see cref="Migrations"/>; a published one never
/// changes. The few words the two databases spell differently are placeholders filled from
/// <see cref="SqlTypes"/> (SQLite gets exactly the text it always had).
/// </summary>
internal static class EventStoreSchema
{
    /// <summary>Migration <c>i</c> brings version <c>i</c> to <c>i + 1</c>.</summary>
    private static readonly string[] Migrations =
    [
        // 1: events (times in Unix milliseconds; boxes in pixels, then in 0..1 of the frame; zone lists
        // as JSON arrays; the snapshot's frame time and the object's box in it, pixels) and the zones each event entered, with the event's start time, so that the zone
        // filter walks one zone's events newest first (an IN list of a common zone's ids sorts them all).
        """
        CREATE TABLE events (
            id TEXT NOT NULL PRIMARY KEY,
            camera TEXT NOT NULL,
            label TEXT NOT NULL,
            score {real} NOT NULL,
            top_score {real} NOT NULL,
            x1 {real} NOT NULL, y1 {real} NOT NULL, x2 {real} NOT NULL, y2 {real} NOT NULL,
            nx1 {real} NOT NULL, ny1 {real} NOT NULL, nx2 {real} NOT NULL, ny2 {real} NOT NULL,
            area {real} NOT NULL,
            start_time {integer} NOT NULL,
            end_time {integer},
            frame_time {integer} NOT NULL,
            current_zones TEXT NOT NULL,
            entered_zones TEXT NOT NULL,
            stationary {integer} NOT NULL,
            active {integer} NOT NULL,
            false_positive {integer} NOT NULL,
            best_frame_time {integer} NOT NULL,
            best_x1 {real} NOT NULL, best_y1 {real} NOT NULL, best_x2 {real} NOT NULL, best_y2 {real} NOT NULL,
            snapshot TEXT,
            clean_snapshot TEXT,
            clip TEXT,
            segments TEXT,
            snapshot_time {integer},
            snapshot_x1 {real}, snapshot_y1 {real}, snapshot_x2 {real}, snapshot_y2 {real},
            retain {integer} NOT NULL DEFAULT 0
        );
        CREATE INDEX events_camera_label_start ON events (camera, label, start_time DESC);
        CREATE INDEX events_start ON events (start_time DESC);
        CREATE INDEX events_end ON events (end_time);
        CREATE INDEX events_clip ON events (clip) WHERE clip IS NOT NULL;
        CREATE TABLE event_zones (
            event_id TEXT NOT NULL,
            zone TEXT NOT NULL,
            start_time {integer} NOT NULL,
            PRIMARY KEY (event_id, zone)
        ){without_rowid};
        CREATE INDEX event_zones_zone_start ON event_zones (zone, start_time DESC);
        """,
        // 2: the instance (daemon) that wrote each event, for a history that several daemons share; events
        // written before it have none ('').
        """
        ALTER TABLE events ADD COLUMN instance TEXT NOT NULL DEFAULT '';
        CREATE INDEX events_instance_start ON events (instance, start_time DESC);
        """,
    ];

    /// <summary>The version this build writes and reads.</summary>
    public static int Version => Migrations.Length;

    /// <summary>Migration <paramref name="from"/> in the words of <paramref name="types"/>.</summary>
    public static string Migration(int from, SqlTypes types) =>
        Migrations[from].Replace("{real}", types.Real, StringComparison.Ordinal)
            .Replace("{integer}", types.Integer, StringComparison.Ordinal)
            .Replace("{without_rowid}", types.WithoutRowId, StringComparison.Ordinal);

    /// <summary>
    /// Brings the database <paramref name="versions"/> keeps the version of to <see cref="Version"/>; throws
    /// <see cref="InvalidDataException"/> for one of a newer version (written by a newer ssdstream), which
    /// this build cannot read safely. <paramref name="name"/> names the database in that message.
    /// </summary>
    public static void Migrate(DbConnection connection, ISchemaVersions versions, string name)
    {
        int found = versions.Read(connection, null);
        Refuse(found, name);
        while (found < Version)
        {
            // The migration transaction excludes a second process migrating at once; that one waits, then sees the new version.
            using var transaction = versions.BeginMigration(connection);
            found = versions.Read(connection, transaction);
            Refuse(found, name);
            if (found == Version) break;
            using (var migrate = connection.CreateCommand())
            {
                migrate.Transaction = transaction;
                migrate.CommandText = Migration(found, versions.Types);
                migrate.ExecuteNonQuery();
            }
            versions.Write(connection, transaction, found + 1);
            transaction.Commit();
            found++;
        }
    }

    private static void Refuse(int found, string name)
    {
        if (found > Version)
            throw new InvalidDataException($"events database {name} has schema version {found}, newer than this ssdstream knows ({Version}); use the ssdstream that wrote it, or a newer one");
        if (found < 0) throw new InvalidDataException($"events database {name} has schema version {found}, which no ssdstream writes");
    }
}

/// <summary>The words of a database's SQL that the schema's placeholders stand for.</summary>
/// <param name="Real">An 8-byte floating-point column.</param>
/// <param name="Integer">An integer column that holds Unix milliseconds.</param>
/// <param name="WithoutRowId">What follows a table that needs no row id (SQLite only).</param>
internal sealed record SqlTypes(string Real, string Integer, string WithoutRowId);

/// <summary>Where and how a database keeps its schema version, and how a migration excludes another.</summary>
internal interface ISchemaVersions
{
    SqlTypes Types { get; }

    /// <summary>The stored version; 0 for a database the store has never written.</summary>
    int Read(DbConnection connection, DbTransaction? transaction);

    void Write(DbConnection connection, DbTransaction transaction, int version);

    /// <summary>A transaction no other migration runs beside (the caller reads the version again inside it).</summary>
    DbTransaction BeginMigration(DbConnection connection);
}
