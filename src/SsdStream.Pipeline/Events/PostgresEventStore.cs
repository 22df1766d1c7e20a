using System.Data.Common;
using Npgsql;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// The events store on a PostgreSQL server (Npgsql), for a site whose daemons share one history: the same
/// tables, migrations and queries as SQLite's (<see cref="SqlEventStore"/>), in the database and search path
/// the connection string names. The schema version is kept in the table <c>ssdstream_schema</c>; a
/// migration holds a transaction-scoped advisory lock, so daemons starting together migrate once. The
/// connection string's password stays inside Npgsql: <see cref="Description"/> and every message this
/// class makes name the server, database and user only.
/// </summary>
public sealed class PostgresEventStore : SqlEventStore
{
    private readonly NpgsqlDataSource _source;
    private readonly string? _password;

    private PostgresEventStore(NpgsqlConnectionStringBuilder builder, string instance) : base(instance)
    {
        _password = string.IsNullOrEmpty(builder.Password) ? null : builder.Password;
        Description = Describe(builder);
        _source = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override string Description { get; }

    /// <summary>
    /// Connects to the server of <paramref name="connectionString"/> (Npgsql's <c>Host=...;Database=...</c>
    /// form) and migrates its database to <see cref="SqlEventStore.SchemaVersion"/>. Throws
    /// <see cref="EventStoreConnectionException"/> (its message safe to show) when the string does not parse,
    /// the server cannot be reached or refuses, and <see cref="InvalidDataException"/> for a newer schema.
    /// </summary>
    /// <param name="instance">The instance recorded on the events this store writes (empty for a reader).</param>
    public static PostgresEventStore Open(string connectionString, string instance = "")
    {
        var builder = Parse(connectionString);
        var store = new PostgresEventStore(builder, instance);
        try
        {
            using var connection = store.Connect();
            store.Migrate(connection, Versions.Instance);
            return store;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            store.Dispose();
            throw new EventStoreConnectionException($"events database {store.Description}: {store.Redact(e.Message)}", IsRefusal(e));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Parses a connection string; one that does not parse, or names no host, is an
    /// <see cref="EventStoreConnectionException"/> that never repeats the string (it may hold a password).
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            // Npgsql's messages name the keyword, never a value; the whole string is not repeated.
            throw new EventStoreConnectionException($"not a PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...): {e.Message}", refused: true);
        }
        if (string.IsNullOrWhiteSpace(builder.Host)) throw new EventStoreConnectionException("the PostgreSQL connection string names no Host", refused: true);
        return builder;
    }

    /// <summary>The server, database and user of a connection string, for logs (no password).</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"postgresql://{(string.IsNullOrEmpty(builder.Username) ? "" : builder.Username + "@")}{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? ""}";

    protected override DbConnection CreateConnection() => _source.CreateConnection();

    public override void Dispose() => _source.Dispose();

    /// <summary>
    /// A failure that a restart would not mend: wrong password or user, a database that does not exist,
    /// no privilege (SQLSTATE classes 28 and 42, and 3D000); not a server that is down or unreachable.
    /// </summary>
    private static bool IsRefusal(Exception e) =>
        e is PostgresException { SqlState: { } state } && (state.StartsWith("28", StringComparison.Ordinal) || state.StartsWith("42", StringComparison.Ordinal) || state == "3D000");

    /// <summary>A message with the password taken out, should a server or driver ever echo it.</summary>
    private string Redact(string message) => _password is { } p ? message.Replace(p, "***", StringComparison.Ordinal) : message;

    /// <summary>PostgreSQL's words, and the table <c>ssdstream_schema</c> as the schema version.</summary>
    private sealed class Versions : ISchemaVersions
    {
        /// <summary>The advisory lock a migration holds (any fixed number; "ssdstrea" in ASCII).</summary>
        private const long MigrationLock = 0x7373647374726561;

        public static readonly Versions Instance = new();

        public SqlTypes Types { get; } = new("DOUBLE PRECISION", "BIGINT", "");

        public int Read(DbConnection connection, DbTransaction? transaction)
        {
            using (var exists = Command(connection, transaction, "SELECT to_regclass('ssdstream_schema') IS NOT NULL"))
            {
                if (exists.ExecuteScalar() is not true) return 0;
            }
            using var command = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM ssdstream_schema");
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public void Write(DbConnection connection, DbTransaction transaction, int version)
        {
            using var command = Command(connection, transaction, $"DELETE FROM ssdstream_schema; INSERT INTO ssdstream_schema (version) VALUES ({version})");
            command.ExecuteNonQuery();
        }

        public DbTransaction BeginMigration(DbConnection connection)
        {
            var transaction = connection.BeginTransaction();
            try
            {
                using var command = Command(connection, transaction,
                    $"SELECT pg_advisory_xact_lock({MigrationLock}); CREATE TABLE IF NOT EXISTS ssdstream_schema (version INTEGER NOT NULL)");
                command.ExecuteNonQuery();
                return transaction;
            }
            catch
            {
                transaction.Dispose();
                throw;
            }
        }
    }
}

/// <summary>An events database that cannot be reached or used; the message is safe to log (no password).</summary>
/// <param name="refused">
/// True when the server (or the string) refused: wrong credentials, no such database, not a connection
/// string: a configuration error. False for a server that is down or unreachable: a restart may mend it.
/// </param>
public sealed class EventStoreConnectionException(string message, bool refused) : Exception(message)
{
    public bool Refused { get; } = refused;
}
