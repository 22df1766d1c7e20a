using SsdStream.Pipeline.Events;
using static SsdStream.Pipeline.Tests.Events.EventsTestData;

namespace SsdStream.Pipeline.Tests.Events;

/// <summary>
/// The events store on a real PostgreSQL server the test class starts (<see cref="PostgresTestServer"/>):
/// <see cref="EventStoreContractTests"/> in a database of its own per test, and what a server adds:
/// its schema version table, daemons migrating at once, credentials that never show. Each test's tables are in a schema of
/// their own (the search path of the connection string).
/// </summary>
public sealed class PostgresEventStoreTests(PostgresTestServer server) : EventStoreContractTests(new TemporaryPostgresStore(server)), IClassFixture<PostgresTestServer>
{
    private string Schema => ((TemporaryPostgresStore)Db).Schema;

    [Fact]
    public void ANewDatabase_GetsTheCurrentSchema_InItsVersionTable()
    {
        Assert.Equal(SqlEventStore.SchemaVersion, Convert.ToInt32(server.Execute(Schema, "SELECT version FROM ssdstream_schema")));
        Assert.Equal(1L, server.Execute(Schema, "SELECT count(*) FROM ssdstream_schema"));
        Assert.Equal($"postgresql://{PostgresTestServer.User}@127.0.0.1:{server.Port}/{PostgresTestServer.Database}", Db.Store.Description);
    }

    [Fact]
    public async Task DaemonsOpeningOneNewDatabaseAtOnce_MigrateItOnce_AndEachWritesItsEvents()
    {
        var schema = server.CreateSchema();
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => PostgresEventStore.Open(server.ConnectionString(schema), $"host{i}"))));
        try
        {
            await Task.WhenAll(stores.Select((s, i) => s.WriteAsync([End(Object($"e{i}", $"cam{i}", start: i, end: i + 1))])));
            Assert.Equal(1L, server.Execute(schema, "SELECT count(*) FROM ssdstream_schema"));
            var all = await stores[0].QueryAsync(new EventQuery());
            Assert.Equal(["e3", "e2", "e1", "e0"], all.Select(e => e.Id));
            Assert.Equal(["host3", "host2", "host1", "host0"], all.Select(e => e.Instance));
        }
        finally
        {
            foreach (var s in stores) s.Dispose();
        }
    }

    [Fact]
    public void ADatabaseOfANewerSchema_IsRefusedWithALineNamingBothVersions()
    {
        server.Execute(Schema, $"UPDATE ssdstream_schema SET version = {SqlEventStore.SchemaVersion + 1}");
        var e = Assert.Throws<InvalidDataException>(() => PostgresEventStore.Open(server.ConnectionString(Schema)));
        Assert.Contains($"schema version {SqlEventStore.SchemaVersion + 1}, newer than this ssdstream knows ({SqlEventStore.SchemaVersion})", e.Message);
        Assert.Contains(PostgresTestServer.Database, e.Message);
    }

    [Fact]
    public void AWrongPasswordOrDatabase_IsARefusal_AndAServerThatIsAwayIsNot_NoneShowingThePassword()
    {
        const string wrong = "not-the-password-4f1c";
        var refused = Assert.Throws<EventStoreConnectionException>(() => PostgresEventStore.Open(server.ConnectionString(Schema, wrong)));
        Assert.True(refused.Refused, refused.Message);
        Assert.Contains("password authentication failed", refused.Message);
        Assert.DoesNotContain(wrong, refused.Message);

        var missing = Assert.Throws<EventStoreConnectionException>(() => PostgresEventStore.Open(server.ConnectionString(null, database: "no_such_database")));
        Assert.True(missing.Refused, missing.Message);
        Assert.DoesNotContain(server.Password, missing.Message);

        var away = Assert.Throws<EventStoreConnectionException>(() =>
            PostgresEventStore.Open($"Host=127.0.0.1;Port={RtspTestServer.FreePort()};Username=u;Password={server.Password};Timeout=3"));
        Assert.False(away.Refused, away.Message);
        Assert.DoesNotContain(server.Password, away.Message);

        var garbled = Assert.Throws<EventStoreConnectionException>(() => PostgresEventStore.Parse($"Host=db;Password={server.Password};Colour=blue"));
        Assert.True(garbled.Refused);
        Assert.DoesNotContain(server.Password, garbled.Message);
        Assert.True(Assert.Throws<EventStoreConnectionException>(() => PostgresEventStore.Parse($"Password={server.Password}")).Refused);
    }
}
