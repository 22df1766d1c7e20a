using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SsdStream.Pipeline.Tests;

/// <summary>
/// Starts the GStreamer RTSP server script on a free loopback port; can kill, restart, pause (SIGSTOP)
/// and resume (SIGCONT) it, as a real camera drops out or stalls.
/// </summary>
public sealed class RtspTestServer : IDisposable
{
    private Process? _process;

    public RtspTestServer(int width = 320, int height = 240, int fps = 15)
    {
        Port = FreePort();
        Width = width;
        Height = height;
        Fps = fps;
        Start();
    }

    public int Port { get; }

    public int Width { get; }

    public int Height { get; }

    public int Fps { get; }

    public string Url => $"rtsp://127.0.0.1:{Port}/cam";

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Start()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Servers", "rtsp_server.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, Port.ToString(), Width.ToString(), Height.ToString(), Fps.ToString() }) start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var line = _process.StandardOutput.ReadLine();
        if (line != "ready") throw new InvalidOperationException($"RTSP server did not start: {line}");
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    public void Restart()
    {
        Kill();
        // The port is free again once the process is gone.
        Start();
    }

    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process!.Id}");
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            Resume();
        }
        Kill();
    }
}
