using System.Diagnostics;
using Npgsql;

namespace SsdStream.Pipeline.Tests;

/// <summary>
/// A real PostgreSQL server (Debian's <c>postgresql</c>, its newest version under /usr/lib/postgresql) made
/// and started by the tests in a temporary folder: its own cluster, a free loopback port, its socket in the
/// folder, password authentication (SCRAM) for one user with a random password, and durability off (the
/// data dies with the test). initdb and the server refuse to run as root, which CI is: then they run as
/// Debian's <c>postgres</c> user (the package makes it) through runuser, and the folder is handed to it.
/// One server serves a whole test class (a class fixture); each test takes a fresh schema of its database
/// <see cref="Database"/> (a schema costs milliseconds, a database a second on a busy machine).
/// </summary>
public sealed class PostgresTestServer : IDisposable
{
    public const string User = "ssdstream";

    /// <summary>The database the tests' schemas are made in.</summary>
    public const string Database = "ssdstream";

    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-pg-").FullName;
    private readonly string _bin;
    private int _schemas;

    public PostgresTestServer()
    {
        _bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/<version>/bin/initdb); scripts/deps.sh test installs it");
        Password = "pw-" + Guid.NewGuid().ToString("N");
        Port = RtspTestServer.FreePort();
        var passwordFile = Path.Combine(_dir, "password");
        File.WriteAllText(passwordFile, Password);
        if (Environment.UserName == "root") Run("chown", "-R", "postgres:postgres", _dir);
        AsServerUser("initdb", "-D", DataDirectory, "-U", User, "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--no-sync");
        File.Delete(passwordFile);
        AsServerUser("pg_ctl", "-D", DataDirectory, "-l", LogPath, "-w", "-t", "60", "start", "-o",
            $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        Execute("postgres", null, $"CREATE DATABASE {Database}");
    }

    public int Port { get; }

    /// <summary>The user's password (random): what must never show in a log line or a page.</summary>
    public string Password { get; }

    private string DataDirectory => Path.Combine(_dir, "data");

    private string LogPath => Path.Combine(_dir, "server.log");

    /// <summary>
    /// A connection string in Npgsql's form, with the password: to <see cref="Database"/> with
    /// <paramref name="schema"/> first in the search path (where the store makes its tables), or to another database.
    /// </summary>
    public string ConnectionString(string? schema, string? password = null, string database = Database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Password = password ?? Password, Database = database, SearchPath = schema }.ConnectionString;

    /// <summary>Creates a new, empty schema in <see cref="Database"/> and returns its name.</summary>
    public string CreateSchema()
    {
        var name = $"t{Interlocked.Increment(ref _schemas)}_{Guid.NewGuid().ToString("N")[..8]}";
        Execute(Database, null, $"CREATE SCHEMA {name}");
        return name;
    }

    /// <summary>Runs SQL in <paramref name="schema"/> of <see cref="Database"/>; returns the first column of the first row, if any.</summary>
    public object? Execute(string schema, string sql) => Execute(Database, schema, sql);

    private object? Execute(string database, string? schema, string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(schema, database: database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    /// <summary>The last lines of the server's log, for failure messages.</summary>
    public string LogTail(int lines = 40)
    {
        try { return string.Join(Environment.NewLine, File.ReadLines(LogPath).TakeLast(lines)); }
        catch (IOException e) { return $"(no server log: {e.Message})"; }
    }

    private void AsServerUser(string tool, params string[] args)
    {
        var path = Path.Combine(_bin, tool);
        if (Environment.UserName == "root") Run("runuser", ["-u", "postgres", "--", path, .. args]);
        else Run(path, args);
    }

    private void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(90_000)) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}{output.Result}\n{LogTail()}");
    }

    public void Dispose()
    {
        try
        {
            AsServerUser("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Not running (it failed to start): nothing to stop.
        }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
