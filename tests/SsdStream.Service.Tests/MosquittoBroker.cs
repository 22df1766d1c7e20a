using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SsdStream.Service.Tests;

/// <summary>
/// A real mosquitto on a free loopback port with persistence in a temporary directory, so that a
/// persistent subscriber session survives <see cref="Stop"/> and <see cref="Start"/> like a broker restart.
/// </summary>
public sealed class MosquittoBroker : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-mosq-").FullName;
    private Process? _process;

    public MosquittoBroker()
    {
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            Port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        File.WriteAllText(ConfigPath, $"""
            listener {Port} 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location {_dir}/
            autosave_interval 1
            max_queued_messages 100000
            """);
        Start();
    }

    public int Port { get; }

    private string ConfigPath => Path.Combine(_dir, "mosquitto.conf");

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
