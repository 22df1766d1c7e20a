using Microsoft.Data.Sqlite;
using SsdStream.Pipeline.Events;
using static SsdStream.Pipeline.Tests.Events.EventsTestData;

namespace SsdStream.Pipeline.Tests.Events;

/// <summary>The events store on its SQLite file: <see cref="EventStoreContractTests"/>, and the file's schema versions and journal.</summary>
public sealed class SqliteEventStoreTests() : EventStoreContractTests(new TemporaryStore())
{
    private TemporaryStore File => (TemporaryStore)Db;

    private static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task ANewFile_GetsTheCurrentSchemaInWalMode_AndKeepsItsEventsAcrossAReopen()
    {
        Assert.Equal(SqlEventStore.SchemaVersion, Scalar(File.Path, "PRAGMA user_version"));
        Assert.Equal(2, SqlEventStore.SchemaVersion);
        await File.Store.WriteAsync([End(Object("a", end: 5))]);
        File.Reopen(); // a database of the current version opens as it is
        Assert.Equal(2, Scalar(File.Path, "PRAGMA user_version"));
        Assert.NotNull(await File.Store.GetAsync("a"));
        using var connection = new SqliteConnection($"Data Source={File.Path};Pooling=False");
        connection.Open();
        using var mode = connection.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", mode.ExecuteScalar());
    }

    [Fact]
    public async Task AnEmptyVersion0Database_IsMigrated()
    {
        var path = Path.Combine(File.Directory, "v0.db");
        Execute(path, "CREATE TABLE unrelated (x INTEGER)"); // an SQLite file at user_version 0
        Assert.Equal(0, Scalar(path, "PRAGMA user_version"));
        using (var store = SqliteEventStore.Open(path))
        {
            await store.WriteAsync([New(Object("a"))]);
            Assert.Equal("a", (await store.GetAsync("a"))?.Id);
        }
        Assert.Equal(2, Scalar(path, "PRAGMA user_version"));
    }

    [Fact]
    public async Task AVersion1Database_GetsTheInstanceColumn_ItsEventsKeptWithNoInstance()
    {
        // As an ssdstream before instances left it: the first migration, and one event.
        var path = Path.Combine(File.Directory, "v1.db");
        Execute(path, EventStoreSchema.Migration(0, new SqlTypes("REAL", "INTEGER", " WITHOUT ROWID")) + "PRAGMA user_version = 1;");
        Execute(path, "INSERT INTO events (id, camera, label, score, top_score, x1, y1, x2, y2, nx1, ny1, nx2, ny2, area, start_time, end_time, frame_time, "
            + "current_zones, entered_zones, stationary, active, false_positive, best_frame_time, best_x1, best_y1, best_x2, best_y2) "
            + "VALUES ('old', 'front', 'person', 0.8, 0.9, 1, 2, 3, 4, 0.1, 0.2, 0.3, 0.4, 4, 1000, 2000, 2000, '[]', '[]', 0, 1, 0, 1500, 1, 2, 3, 4)");
        using (var store = SqliteEventStore.Open(path, "north"))
        {
            var old = (await store.GetAsync("old"))!;
            Assert.Equal("", old.Instance);
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(2000), old.EndTime);
            await store.WriteAsync([New(Object("new"))]);
            Assert.Equal("north", (await store.GetAsync("new"))!.Instance);
        }
        Assert.Equal(2, Scalar(path, "PRAGMA user_version"));
    }

    [Fact]
    public void ADatabaseOfANewerSchema_IsRefusedWithALineNamingBothVersions()
    {
        var path = Path.Combine(File.Directory, "newer.db");
        Execute(path, $"PRAGMA user_version = {SqlEventStore.SchemaVersion + 1}");
        var e = Assert.Throws<InvalidDataException>(() => SqliteEventStore.Open(path));
        Assert.Contains($"schema version {SqlEventStore.SchemaVersion + 1}, newer than this ssdstream knows ({SqlEventStore.SchemaVersion})", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(SqlEventStore.SchemaVersion + 1, Scalar(path, "PRAGMA user_version")); // left as it was
    }

    [Fact]
    public void AFileThatIsNotADatabase_IsRefusedByName()
    {
        var path = Path.Combine(File.Directory, "notes.db");
        System.IO.File.WriteAllText(path, new string('x', 4096));
        var e = Assert.Throws<InvalidDataException>(() => SqliteEventStore.Open(path));
        Assert.Contains($"'{path}' cannot be opened as an events database", e.Message);
    }
}
