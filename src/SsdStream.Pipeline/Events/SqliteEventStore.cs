using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// The events store in one SQLite file (<c>&lt;Recording:Directory&gt;/events.db</c> by default), in WAL
/// mode so that the CLI and a web interface read while the daemon writes. The schema version is the
/// database's <c>PRAGMA user_version</c>. Tables and queries are <see cref="SqlEventStore"/>'s.
/// </summary>
public sealed class SqliteEventStore : SqlEventStore
{
    /// <summary>The database's file name in the recording directory.</summary>
    public const string DefaultFileName = "events.db";

    private readonly string _connectionString;

    private SqliteEventStore(string path, string instance) : base(instance)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
    }

    /// <summary>The database file, absolute.</summary>
    public string Path { get; }

    public override string Description => $"'{Path}'";

    /// <summary>The default database of a recording directory: <c>&lt;directory&gt;/events.db</c>.</summary>
    public static string DefaultPath(string recordingDirectory) => System.IO.Path.Combine(recordingDirectory, DefaultFileName);

    /// <summary>
    /// Opens the database at <paramref name="path"/>, creating it (and its folder) when missing, switches it
    /// to WAL and migrates it to <see cref="SqlEventStore.SchemaVersion"/>. Throws <see cref="InvalidDataException"/> for
    /// a file that is not an SQLite database or has a newer schema.
    /// </summary>
    /// <param name="instance">The instance recorded on the events this store writes (empty for a reader).</param>
    public static SqliteEventStore Open(string path, string instance = "")
    {
        var full = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.GetDirectoryName(full) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        var store = new SqliteEventStore(full, instance);
        try
        {
            using var connection = store.Connect();
            using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode = WAL";
                wal.ExecuteNonQuery();
            }
            store.Migrate(connection, Versions.Instance);
            return store;
        }
        catch (SqliteException e)
        {
            store.Dispose();
            throw new InvalidDataException($"'{full}' cannot be opened as an events database: {e.Message}", e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    protected override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>SQLite's words, and its <c>PRAGMA user_version</c> as the schema version.</summary>
    private sealed class Versions : ISchemaVersions
    {
        public static readonly Versions Instance = new();

        public SqlTypes Types { get; } = new("REAL", "INTEGER", " WITHOUT ROWID");

        public int Read(DbConnection connection, DbTransaction? transaction)
        {
            using var command = Command(connection, transaction, "PRAGMA user_version");
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public void Write(DbConnection connection, DbTransaction transaction, int version)
        {
            // PRAGMA takes no parameters; the value is this build's own integer, never input.
            using var command = Command(connection, transaction, $"PRAGMA user_version = {version}");
            command.ExecuteNonQuery();
        }

        // An immediate transaction: a second process opening the same file waits for the migration to end.
        public DbTransaction BeginMigration(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);
    }
}
