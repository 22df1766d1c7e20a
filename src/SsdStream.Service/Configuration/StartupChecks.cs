using System.Net;
using System.Net.Sockets;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Networks;

namespace SsdStream.Service.Configuration;

/// <summary>
/// Checks what the configuration names against this machine, before any part starts: the model file is
/// there and is a model, the device exists, the recording folder takes files, the events store opens, the embedded broker's port
/// is free. Each failure is a configuration error naming its key (exit 78: restarting would not help),
/// where it would otherwise be a run-time fault after the first parts had started.
/// </summary>
public static class StartupChecks
{
    /// <summary>Runs every check; returns the errors (each "key: what is wrong") and the warnings.</summary>
    public static (IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings) Run(SsdStreamOptions options)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        const string s = SsdStreamOptions.Section;

        if (ModelProblem(options.Model.Path) is { } model) errors.Add($"{s}:Model:Path: {model}");

        TorchRuntime.Initialise(options.Model.Threads);
        if (EngineProblem(options.Model) is { } engine) errors.Add($"{s}:{engine}");
        else if (options.Model.Half && !WillRunOnGpu(options.Model)) warnings.Add($"{s}:Model:Half: float16 needs a GPU; running float32 on the cpu");

        string? recording = options.Recording.Enabled ? WriteProblem(options.Recording.Directory) : null;
        if (recording != null) errors.Add($"{s}:Recording:Directory: {recording}");

        // The store's default place is the recording folder: one line for one cause.
        var events = options.Events;
        bool storeInBadFolder = !events.UsesServer && recording != null && Path.GetDirectoryName(events.Database) == options.Recording.Directory;
        if (events.Enabled && !storeInBadFolder)
        {
            var (problem, lasting) = StoreProblem(events);
            if (problem != null && lasting) errors.Add($"{s}:{events.Key}: {problem}");
            else if (problem != null) warnings.Add($"{s}:{events.Key}: {problem}; starting anyway: the daemon stops with exit code 1 (restarted by its service manager) if the server is still away when the events store opens");
        }

        if (options.Mqtt.UsesEmbeddedBroker && PortProblem(options.Mqtt.EmbeddedPort) is { } port)
            errors.Add($"{s}:Mqtt:EmbeddedPort: {port}");

        if (options.Http.Enabled)
        {
            foreach (var url in options.Http.ParsedUrls())
            {
                if (HttpPortProblem(url) is { } http) errors.Add($"{s}:Http:Urls: {http}");
            }
        }

        return (errors, warnings);
    }

    /// <summary>
    /// Whether the engine the model section picks can run on its device ("key: message", or null): TorchSharp's
    /// device must exist, ONNX Runtime needs its GPU build for cuda; float16 where the device runs float32 is a
    /// warning at load, not an error.
    /// </summary>
    internal static string? EngineProblem(ModelOptions model)
    {
        if (!Ssd.Model.Inference.InferenceEngines.IsName(model.Engine)) return null; // the validator has said so
        var settings = model.Detector;
        try
        {
            if (Ssd.Model.Inference.DetectorLoader.Choose(model.Path, settings) == Ssd.Model.Inference.InferenceEngine.Torch)
            {
                if (Ssd.Model.Onnx.OnnxModelInfo.IsOnnx(model.Path)) return $"Model:Engine: the torch engine runs model files (.ssdm); '{model.Path}' is an ONNX file (use onnxruntime or auto)";
                ComputeDevice.Select(model.Device, model.Half);
            }
            else
            {
                var device = model.Device.Trim().ToLowerInvariant();
                bool cuda = device == "cuda" || device.StartsWith("cuda:", StringComparison.Ordinal);
                if (cuda && !Ssd.Model.Onnx.OnnxSessions.BuildHasCuda) return $"Model:Device: '{model.Device}' was asked of ONNX Runtime, whose CPU build this is (build with -p:OnnxRuntimeGpu=true, see README: GPU)";
                if (device is not ("auto" or "cpu") && !cuda) ComputeDevice.Select(model.Device); // names the bad value as torch's check does
            }
            return null;
        }
        catch (Exception e) when (e is DeviceUnavailableException or ArgumentException)
        {
            return $"Model:Device: {e.Message}";
        }
    }

    /// <summary>Whether the model section's engine will run on a GPU here (as far as can be told before loading).</summary>
    private static bool WillRunOnGpu(ModelOptions model)
    {
        if (!Ssd.Model.Inference.InferenceEngines.IsName(model.Engine)) return false;
        if (Ssd.Model.Inference.DetectorLoader.Choose(model.Path, model.Detector) == Ssd.Model.Inference.InferenceEngine.Torch)
            return ComputeDevice.Select(model.Device, model.Half).Half;
        return Ssd.Model.Onnx.OnnxSessions.WantsGpu(model.Device);
    }

    /// <summary>Why the file is not a usable model (null when it is). Reads only the header.</summary>
    internal static string? ModelProblem(string path)
    {
        try
        {
            ModelDescription.Read(path);
            return null;
        }
        catch (FileNotFoundException)
        {
            return $"'{path}' does not exist";
        }
        catch (Exception e) when (e is CheckpointException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"'{path}': {e.Message}";
        }
    }

    /// <summary>Why files cannot be written in <paramref name="directory"/> (null when they can); creates it if missing.</summary>
    internal static string? WriteProblem(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".ssdstream-write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write files in '{directory}': {e.Message}";
        }
    }

    /// <summary>
    /// Why the events store cannot be opened (null when it can): a folder that takes no files, another kind of
    /// file, a newer schema, a server that refuses the credentials or has no such database (all lasting), or a
    /// server that cannot be reached now (not lasting: a restart may find it). Messages never hold a password.
    /// </summary>
    internal static (string? Problem, bool Lasting) StoreProblem(EventsOptions events)
    {
        var where = events.UsesServer ? "" : events.Database;
        try
        {
            using var store = events.Open();
            return (null, true);
        }
        catch (SsdStream.Pipeline.Events.EventStoreConnectionException e)
        {
            return (e.Message, e.Refused);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            return (e.Message.Contains(where, StringComparison.Ordinal) ? e.Message : $"'{where}': {e.Message}", true);
        }
    }

    /// <summary>Why Kestrel could not listen on <paramref name="url"/> (null when it can; a host name is left to Kestrel).</summary>
    internal static string? HttpPortProblem(Uri url)
    {
        var addresses = url.Host is "localhost" ? [IPAddress.Loopback] : IPAddress.TryParse(url.Host.Trim('[', ']'), out var a) ? new[] { a } : [];
        foreach (var address in addresses)
        {
            if (ListenProblem(address, url.Port) is { } reason) return $"{url} cannot be used ({reason}); another program may be serving there: choose another port";
        }
        return null;
    }

    /// <summary>Why the embedded broker could not listen on 127.0.0.1:<paramref name="port"/> (null when it can).</summary>
    internal static string? PortProblem(int port)
    {
        if (port == 0) return null; // any free port
        return ListenProblem(IPAddress.Loopback, port) is { } reason
            ? $"127.0.0.1:{port} cannot be used ({reason}); another broker may be running there: point Mqtt:Host at it, or choose another port"
            : null;
    }

    /// <summary>Why nothing can listen on <paramref name="address"/>:<paramref name="port"/> (binds it once and lets go), or null.</summary>
    private static string? ListenProblem(IPAddress address, int port)
    {
        try
        {
            using var listener = new TcpListener(address, port);
            listener.Start();
            listener.Stop();
            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }
}
