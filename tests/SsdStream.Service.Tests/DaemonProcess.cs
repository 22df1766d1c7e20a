using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data.Synthetic;
using Ssd.Model.Networks;

namespace SsdStream.Service.Tests;

/// <summary>
/// Runs the real <c>ssdstream</c> executable in a directory of its own (<c>SSDSTREAM_ROOT</c>) with a
/// configuration written by the test, and collects its output.
/// </summary>
public sealed class DaemonProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public DaemonProcess(string root) => Root = root;

    public string Root { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public int Pid => _process!.Id;

    /// <summary>Extra environment variables for the process (set before <see cref="Start"/>).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The environment the running process has now (/proc/PID/environ), as NAME=value entries.</summary>
    public string[] CurrentEnvironment() => File.ReadAllText($"/proc/{Pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "ssdstream");

    /// <summary>A random-weight SSDLite with the synthetic shape classes (it detects noise, which is all the MQTT tests need).</summary>
    public static string WriteRandomModel(string directory)
    {
        var path = Path.Combine(directory, "random.ssdm");
        if (File.Exists(path)) return path;
        Ssd.Model.Devices.TorchRuntime.Initialise();
        // Every tensor made here is disposed by the scope, none by the finalizer thread (see Ssd.Model.Tests' TorchScope).
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, SyntheticShapes.ClassNames);
        ModelFile.Save(model, path, half: true);
        return path;
    }

    /// <summary>The instance name <see cref="Configuration"/> gives a daemon (not the host name, which tests cannot know).</summary>
    public const string Instance = "test";

    /// <summary>This instance's availability topic under the default prefix.</summary>
    public const string Available = $"ssdstream/{Instance}/available";

    /// <summary>A configuration: one synthetic camera, the given broker, the random model, and the overrides.</summary>
    public static JsonObject Configuration(string modelPath, int brokerPort, bool embedded = false)
    {
        return new JsonObject
        {
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Information", ["Microsoft"] = "Warning" } },
            ["SsdStream"] = new JsonObject
            {
                ["Instance"] = new JsonObject { ["Name"] = Instance },
                ["Model"] = new JsonObject { ["Path"] = modelPath, ["Device"] = "cpu", ["Threads"] = 1, ["ScoreThreshold"] = 0.01, ["MaxDetections"] = 5 },
                ["Inference"] = new JsonObject { ["MaxBatch"] = 2 },
                ["Cameras"] = new JsonArray(new JsonObject
                {
                    ["Name"] = "cam1",
                    ["Type"] = "synthetic",
                    ["Synthetic"] = new JsonObject { ["Width"] = 320, ["Height"] = 240, ["Fps"] = 5, ["Seed"] = 3 },
                    ["Filter"] = new JsonObject { ["MinScore"] = 0.0 },
                }),
                ["Mqtt"] = new JsonObject
                {
                    ["Host"] = embedded ? "" : "127.0.0.1",
                    ["Port"] = brokerPort,
                    ["EmbeddedPort"] = brokerPort,
                    ["ClientId"] = "ssdstream-test-" + Guid.NewGuid().ToString("N")[..6],
                    ["KeepAliveSeconds"] = 5,
                    ["StatsIntervalSeconds"] = 2,
                },
                ["Recording"] = new JsonObject { ["Enabled"] = false },
                // Tests run daemons side by side: each web interface needs its own port, so the tests that want one ask.
                ["Http"] = new JsonObject { ["Enabled"] = false },
                ["StatusIntervalSeconds"] = 2,
                ["ShutdownTimeoutSeconds"] = 10,
            },
        };
    }

    public void Start(JsonObject configuration, params string[] args)
    {
        File.WriteAllText(Path.Combine(Root, "appsettings.json"), configuration.ToJsonString());
        StartRaw(args);
    }

    /// <summary>
    /// Start the daemon as the leader of a process group of its own, as a shell starts a command in a
    /// terminal, so that <see cref="SignalGroup"/> reaches it and every process it started in its group.
    /// </summary>
    public bool OwnProcessGroup { get; set; }

    public void StartRaw(params string[] args)
    {
        var start = new ProcessStartInfo(OwnProcessGroup ? "python3" : Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (OwnProcessGroup)
        {
            // As a shell starts a command in a terminal: a process group of its own whose id is the daemon's
            // pid (setpgid, then exec: no fork, unlike setsid(1) when it happens to lead a group), and SIGINT
            // at its default (a suite run in the background of a script inherits it ignored).
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("import os, signal, sys; os.setpgid(0, 0); signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])");
            start.ArgumentList.Add(Executable);
        }
        start.ArgumentList.Add("run");
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["SSDSTREAM_ROOT"] = Root;
        foreach (var (name, value) in Environment) start.Environment[name] = value;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Sends a signal to the daemon's whole process group, as Ctrl+C in a terminal does (needs <see cref="OwnProcessGroup"/>).</summary>
    public void SignalGroup(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} -- -{_process!.Id}") { RedirectStandardError = true })!;
        var error = kill.StandardError.ReadToEnd();
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} of process group {_process.Id}: {error}");
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process!.Id}");
        kill.WaitForExit();
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process!.WaitForExit(timeout)) throw new TimeoutException($"ssdstream did not exit within {timeout.TotalSeconds} s:\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.Dispose();
    }
}
