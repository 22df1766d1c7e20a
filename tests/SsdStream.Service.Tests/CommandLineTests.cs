using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using OpenCvSharp;

namespace SsdStream.Service.Tests;

/// <summary>
/// The exit-code contract of every command, as a user meets it (README, "Exit codes"): 0 success, 1 a
/// run-time fault, 2 bad input named on the command line, 78 configuration; a mistake is one line naming
/// the thing and the cause, never a stack trace.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs the real executable; returns its exit code and everything it printed.</summary>
    internal static (int Code, string Output) Ssdstream(string root, params string[] args)
    {
        var start = new ProcessStartInfo(DaemonProcess.Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["SSDSTREAM_ROOT"] = root;
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"ssdstream {string.Join(' ', args)} did not end");
        }
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }

    private sealed record Case(string What, string[] Args, int Code, string Names);

    private string File(string name) => Path.Combine(_dir, name);

    [Fact]
    public void EveryCommand_KeepsTheExitCodeContract_WithOneLineNamingTheThing()
    {
        var model = DaemonProcess.WriteRandomModel(_dir);
        var bytes = System.IO.File.ReadAllBytes(model);
        System.IO.File.WriteAllBytes(File("truncated.ssdm"), bytes[..(bytes.Length / 2)]);
        System.IO.File.WriteAllText(File("notes.txt"), "not a model");
        using (var picture = new Mat(48, 64, MatType.CV_8UC3, Scalar.All(90))) Cv2.ImWrite(File("image.png"), picture);
        using (var writer = new VideoWriter(File("clip.avi"), FourCC.MJPG, 5, new OpenCvSharp.Size(64, 48)))
        {
            for (int i = 0; i < 3; i++)
            {
                using var frame = new Mat(48, 64, MatType.CV_8UC3, Scalar.All(30 * i));
                writer.Write(frame);
            }
        }
        // A file named like an image whose bytes start as a GIF and stop there: OpenCV logged its own error line for it.
        System.IO.File.WriteAllBytes(File("broken.jpg"), [.. "GIF89a"u8, .. new byte[200]]);
        string image = File("image.png"), clip = File("clip.avi");
        Case[] cases =
        [
            new("model info", ["model", "info", "--arch", "ssdlite-mobilenetv2"], 0, "boxes: 3000"),
            new("a missing model file", ["detect", image, "--model", File("nothere.ssdm")], 2, "nothere.ssdm"),
            new("an image that does not decode", ["detect", File("broken.jpg"), "--model", model], 2, "broken.jpg"),
            new("a file that is not a model", ["detect", image, "--model", File("notes.txt")], 2, "not an ssdstream model file"),
            new("a truncated model", ["detect", image, "--model", File("truncated.ssdm")], 2, "truncated"),
            new("a score out of range", ["detect", image, "--model", model, "--score", "1.5"], 2, "--score must be in [0, 1) (got 1.5)"),
            new("no detections allowed", ["detect", image, "--model", model, "--max", "0"], 2, "--max must be at least 1 (got 0)"),
            new("an image annotated as text", ["detect", image, "--model", model, "--annotate", File("out.txt")], 2, "out.txt"),
            new("a video annotated as an image", ["detect", clip, "--model", model, "--annotate", File("x.jpg")], 2, ".mp4"),
            new("a device that is not there", ["detect", image, "--model", model, "--device", "cuda:99"], 2, "cuda:99"),
            new("import of a file that is not a checkpoint", ["import", File("notes.txt"), "--arch", "ssdlite-mobilenetv2", "--out", File("x.ssdm")], 2, "not a PyTorch checkpoint"),
            new("an unknown architecture", ["model", "info", "--arch", "nope"], 2, "unknown architecture 'nope'"),
            new("an unknown option", ["model", "info", "--arch", "ssdlite-mobilenetv2", "--bogus"], 2, "--bogus"),
            new("a missing dataset", ["eval", "--model", model, "--data", File("nothere.json")], 2, "nothere.json"),
            new("an unknown engine", ["detect", image, "--model", model, "--engine", "tensorflow"], 2, "--engine must be auto, torch, onnxruntime (got tensorflow)"),
            new("export to ONNX", ["model", "export-onnx", model, "--out", File("random.onnx")], 0, "random.onnx"),
            new("an ONNX export under another name", ["model", "export-onnx", model, "--out", File("random.bin")], 2, "random.bin"),
            new("an .onnx on the torch engine", ["detect", image, "--model", File("random.onnx"), "--engine", "torch"], 2, "random.onnx"),
            new("an .onnx on onnxruntime", ["detect", image, "--model", File("random.onnx"), "--engine", "onnxruntime"], 0, "\"detections\""),
            new("output that cannot be written (disk full)", ["detect", image, "--model", model, "--json", "/dev/full"], 1, "/dev/full"),
        ];
        RunAll(cases);

        // An annotated video is H.264, as the recorder writes, whatever the input's codec.
        var (annotated, said) = Ssdstream(_dir, "detect", clip, "--model", model, "--annotate", File("annotated.mp4"));
        Assert.True(annotated == 0, said);
        var probe = Process.Start(new ProcessStartInfo("ffprobe", $"-v error -count_frames -select_streams v:0 -show_entries stream=codec_name,nb_read_frames -of csv=p=0 \"{File("annotated.mp4")}\"")
        {
            RedirectStandardOutput = true,
        })!;
        Assert.Equal("h264,3", probe.StandardOutput.ReadToEnd().Trim());
        probe.WaitForExit();
    }

    [Fact]
    public void Eval_WithSkipBad_LeavesOutAnImageThatDoesNotDecode_AndSaysSo()
    {
        var model = DaemonProcess.WriteRandomModel(_dir);
        var data = Ssd.Model.Data.Synthetic.SyntheticDatasetWriter.Write(File("data"), 4, seed: 2, valFraction: 0);
        var broken = Directory.GetFiles(Path.Combine(File("data"), "train", "images")).Order(StringComparer.Ordinal).First();
        System.IO.File.WriteAllBytes(broken, [.. "GIF89a"u8, .. new byte[200]]);
        var (code, output) = Ssdstream(_dir, "eval", "--model", model, "--data", data.TrainAnnotations, "--skip-bad", "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Contains($"{data.TrainAnnotations}: skipped 1 images that cannot be decoded", output);
        Assert.Contains(broken, output);
        Assert.DoesNotContain("[ERROR", output);
        (code, output) = Ssdstream(_dir, "eval", "--model", model, "--data", data.TrainAnnotations, "--threads", "1");
        Assert.Equal(2, code);
        Assert.Equal($"error: {broken}: image 1 cannot be decoded", output);
    }

    [Fact]
    public void StartUpChecksOfTheDaemon_AreExit78_NamingTheKey()
    {
        var model = DaemonProcess.WriteRandomModel(_dir);
        System.IO.File.WriteAllText(File("notes.txt"), "not a model");
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var config = DaemonProcess.Configuration(model, port, embedded: true);
        System.IO.File.WriteAllText(File("appsettings.json"), config.ToJsonString());
        Case[] cases =
        [
            new("a model path that is not a model", ["run", $"--Model:Path={File("notes.txt")}", $"--Mqtt:EmbeddedPort={port + 1}"], 78, "SsdStream:Model:Path"),
            new("a device that is not there", ["run", "--Model:Device=cuda:99", $"--Mqtt:EmbeddedPort={port + 1}"], 78, "SsdStream:Model:Device"),
            new("an unknown engine", ["run", "--Model:Engine=tensorflow", $"--Mqtt:EmbeddedPort={port + 1}"], 78, "SsdStream:Model:Engine"),
            new("a recording folder that takes no files", ["run", "--Recording:Enabled=true", "--Recording:Directory=/proc/nope", $"--Mqtt:EmbeddedPort={port + 1}"], 78, "SsdStream:Recording:Directory"),
            new("an events store that is not a database", ["run", $"--Events:Database={File("notes.txt")}", $"--Mqtt:EmbeddedPort={port + 1}"], 78, "SsdStream:Events:Database"),
            new("a web interface open to other machines without a token", ["run", "--Http:Enabled=true", "--Http:Urls=http://0.0.0.0:5999", $"--Mqtt:EmbeddedPort={port + 1}"], 78, "SsdStream:Http:Urls"),
            new("the embedded broker's port taken", ["run"], 78, "SsdStream:Mqtt:EmbeddedPort"),
        ];
        RunAll(cases);
    }

    /// <summary>Runs every case and fails with each one that breaks the contract.</summary>
    private void RunAll(IEnumerable<Case> cases)
    {
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var (code, output) = Ssdstream(_dir, c.Args);
            var problem = Judge(code, output, c.Code, c.Names);
            if (problem != null) failures.Add($"{c.What} (ssdstream {string.Join(' ', c.Args)}): {problem}\n    {output.Replace("\n", "\n    ")}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Why the outcome breaks the contract, or null when it keeps it.</summary>
    private static string? Judge(int code, string output, int expectedCode, string names)
    {
        if (code != expectedCode) return $"exit code {code}, expected {expectedCode}";
        if (!output.Contains(names, StringComparison.Ordinal)) return $"the output does not name '{names}'";
        if (expectedCode == 0) return null;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 1) return $"{lines.Length} lines instead of one";
        if (output.Contains("   at ", StringComparison.Ordinal) || output.Contains("Exception", StringComparison.Ordinal)) return "a stack trace or exception name";
        return null;
    }
}
