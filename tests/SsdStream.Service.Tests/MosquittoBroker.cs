using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SsdStream.Service.Tests;

/// <summary>
/// A real mosquitto on a free loopback port with persistence in a temporary directory, so that a
/// persistent subscriber session survives <see cref="Stop"/> and <see cref="Start"/> like a broker restart.
/// It runs as the test's own user: started as root, mosquitto would switch to its "mosquitto" user, which
/// cannot write into our private temporary directory, and would then keep no sessions across the restart.
/// </summary>
public sealed class MosquittoBroker : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-mosq-").FullName;
    private Process? _process;

    /// <param name="extraConfiguration">More lines for mosquitto.conf (an ACL, say).</param>
    public MosquittoBroker(string extraConfiguration = "")
    {
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            Port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        File.WriteAllText(ConfigPath, $"""
            listener {Port} 127.0.0.1
            user {Environment.UserName}
            allow_anonymous true
            persistence true
            persistence_location {_dir}/
            autosave_interval 1
            max_queued_messages 100000
            log_dest file {LogPath}
            log_type all
            log_timestamp_format %H:%M:%S
            {extraConfiguration}
            """);
        Start();
    }

    public int Port { get; }

    private string ConfigPath => Path.Combine(_dir, "mosquitto.conf");

    private string LogPath => Path.Combine(_dir, "mosquitto.log");

    /// <summary>The broker's whole log so far.</summary>
    public string Log() => File.ReadAllText(LogPath);

    /// <summary>The last lines of the broker's own log (every connection, subscription and message), for failure messages.</summary>
    public string LogTail(int lines = 60)
    {
        try { return string.Join(Environment.NewLine, File.ReadLines(LogPath).TakeLast(lines)); }
        catch (IOException e) { return $"(no broker log: {e.Message})"; }
    }

    public void Start()
    {
        var start = new ProcessStartInfo("mosquitto") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(ConfigPath);
        _process = Process.Start(start)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"mosquitto did not listen on {Port}");
    }

    /// <summary>Stops the broker the way a service manager does (SIGTERM; it saves its sessions).</summary>
    public void Stop()
    {
        if (_process is null) return;
        using (var kill = Process.Start("kill", $"-TERM {_process.Id}")) kill.WaitForExit();
        if (!_process.WaitForExit(10_000)) _process.Kill();
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false }) _process.Kill();
        _process?.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
