using Microsoft.Data.Sqlite;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// The schema of <see cref="SqliteEventStore"/>'s database and its forward migrations. The database's
/// <c>PRAGMA user_version</c> is the number of migrations applied: 0 for a new (empty) file. Each
/// migration runs in its own transaction with the version it sets, so a crash leaves the database at the
/// previous version or the next, never between. A change of schema is a new migration at the end of
/// <see cref="Migrations"/>; a published one never changes.
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
            score REAL NOT NULL,
            top_score REAL NOT NULL,
            x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
            nx1 REAL NOT NULL, ny1 REAL NOT NULL, nx2 REAL NOT NULL, ny2 REAL NOT NULL,
            area REAL NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER,
            frame_time INTEGER NOT NULL,
            current_zones TEXT NOT NULL,
            entered_zones TEXT NOT NULL,
            stationary INTEGER NOT NULL,
            active INTEGER NOT NULL,
            false_positive INTEGER NOT NULL,
            best_frame_time INTEGER NOT NULL,
            best_x1 REAL NOT NULL, best_y1 REAL NOT NULL, best_x2 REAL NOT NULL, best_y2 REAL NOT NULL,
            snapshot TEXT,
            clean_snapshot TEXT,
            clip TEXT,
            segments TEXT,
            snapshot_time INTEGER,
            snapshot_x1 REAL, snapshot_y1 REAL, snapshot_x2 REAL, snapshot_y2 REAL,
            retain INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX events_camera_label_start ON events (camera, label, start_time DESC);
        CREATE INDEX events_start ON events (start_time DESC);
        CREATE INDEX events_end ON events (end_time);
        CREATE INDEX events_clip ON events (clip) WHERE clip IS NOT NULL;
        CREATE TABLE event_zones (
            event_id TEXT NOT NULL,
            zone TEXT NOT NULL,
            start_time INTEGER NOT NULL,
            PRIMARY KEY (event_id, zone)
        ) WITHOUT ROWID;
        CREATE INDEX event_zones_zone_start ON event_zones (zone, start_time DESC);
        """,
    ];

    /// <summary>The version this build writes and reads.</summary>
    public static int Version => Migrations.Length;

    /// <summary>
    /// Brings the database to <see cref="Version"/>; throws <see cref="InvalidDataException"/> for a
    /// database of a newer version (written by a newer ssdstream), which this build cannot read safely.
    /// </summary>
    public static void Migrate(SqliteConnection connection, string path)
    {
        int found = UserVersion(connection, null);
        Refuse(found, path);
        while (found < Version)
        {
            // An immediate transaction: a second process opening the same file waits, then sees the new version.
            using var transaction = connection.BeginTransaction(deferred: false);
            found = UserVersion(connection, transaction);
            Refuse(found, path);
            if (found == Version) break;
            using (var migrate = connection.CreateCommand())
            {
                migrate.Transaction = transaction;
                migrate.CommandText = Migrations[found];
                migrate.ExecuteNonQuery();
            }
            using (var version = connection.CreateCommand())
            {
                // PRAGMA takes no parameters; the value is this build's own integer, never input.
                version.Transaction = transaction;
                version.CommandText = $"PRAGMA user_version = {found + 1}";
                version.ExecuteNonQuery();
            }
            transaction.Commit();
            found++;
        }
    }

    public static int UserVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Refuse(int found, string path)
    {
        if (found > Version)
            throw new InvalidDataException($"events database '{path}' has schema version {found}, newer than this ssdstream knows ({Version}); use the ssdstream that wrote it, or a newer one");
        if (found < 0) throw new InvalidDataException($"events database '{path}' has schema version {found}, which no ssdstream writes");
    }
}
