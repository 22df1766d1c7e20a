using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SsdStream.Service.Tests;

/// <summary>Recording in the daemon process: what survives a SIGKILL, and what a clean stop finalises.</summary>
public sealed class DaemonRecordingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-drec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private JsonObject Config(int port)
    {
        var config = DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), port, embedded: true);
        config["SsdStream"]!["Recording"] = new JsonObject
        {
            ["Enabled"] = true, ["Directory"] = "rec", ["Mode"] = "continuous", ["SegmentSeconds"] = 1,
        };
        return config;
    }

    [Fact]
    public async Task SigkillWhileRecording_EverySegmentClosedBeforeTheKillPlaysToItsEnd()
    {
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(Config(DaemonMqttTests.FreePort()));
        var rec = Path.Combine(_dir, "rec", "cam1");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && Closed(rec).Count < 3) await Task.Delay(200);
        Assert.True(Closed(rec).Count >= 3, daemon.Output);

        daemon.Signal("KILL");
        daemon.WaitForExit(TimeSpan.FromSeconds(10));

        var closed = Closed(rec);
        foreach (var video in closed)
        {
            var sidecarLines = File.ReadAllLines(Path.ChangeExtension(video, ".jsonl")).Length;
            var (decoded, errors) = DecodeToEnd(video);
            Assert.True(errors.Length == 0, $"{video}: {errors}");
            Assert.Equal(sidecarLines, decoded);
            Assert.Equal(5, decoded); // 1 s at the camera's 5 fps
        }
        // Only the segment being written when the process died may be lost, and it never looks complete.
        var partial = Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories);
        Assert.True(partial.Length <= 2, string.Join(", ", partial));
    }

    [Fact]
    public async Task Sigterm_ClosesTheOpenSegment_AndAnnouncesEverySegmentOverMqtt()
    {
        int port = DaemonMqttTests.FreePort();
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(Config(port));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!daemon.Output.Contains("embedded broker", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        await using var subscriber = new MqttTestSubscriber(port, "ssdstream/cam1/recordings");
        await subscriber.StartAsync();
        var rec = Path.Combine(_dir, "rec", "cam1");
        while (DateTime.UtcNow < deadline && Closed(rec).Count < 2) await Task.Delay(200);

        daemon.Signal("TERM");
        int code = daemon.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(code == 0, daemon.Output);
        Assert.Empty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories));
        var closed = Closed(rec);
        await subscriber.WaitFor(m => m.Count >= closed.Count - 1, TimeSpan.FromSeconds(5), "recordings messages");
        var announced = subscriber.Messages.Select(m => JsonNode.Parse(m.Payload)!).ToList();
        Assert.All(announced, a =>
        {
            Assert.True(File.Exists((string)a["path"]!));
            Assert.True((int)a["frames"]! > 0);
            Assert.NotNull(a["labels"]);
            Assert.NotNull(a["start"]);
            Assert.NotNull(a["end"]);
        });
        Assert.All(subscriber.Messages, m => Assert.False(m.Retained));
    }

    [Fact]
    public async Task CtrlCInATerminal_ReachesTheWholeProcessGroup_AndTheOpenSegmentIsStillFinalised()
    {
        // Ctrl+C sends SIGINT to every process of the terminal's foreground group: the daemon and, unless
        // they run in a session of their own, its ffmpeg encoders, which would end the open segment early.
        using var daemon = new DaemonProcess(_dir) { OwnProcessGroup = true };
        var config = Config(DaemonMqttTests.FreePort());
        config["SsdStream"]!["Recording"]!["SegmentSeconds"] = 60;
        daemon.Start(config);
        var rec = Path.Combine(_dir, "rec", "cam1");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !daemon.Output.Contains("streaming", StringComparison.Ordinal)) await Task.Delay(200);
        await Task.Delay(TimeSpan.FromSeconds(3));

        daemon.SignalGroup("INT");
        int code = daemon.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.True(code == 0, daemon.Output);
        Assert.DoesNotContain("recording cam1 paused", daemon.Output);
        Assert.Empty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories));
        var segment = Assert.Single(Closed(rec));
        var (frames, errors) = DecodeToEnd(segment);
        Assert.True(errors.Length == 0, errors);
        Assert.Equal(File.ReadAllLines(Path.ChangeExtension(segment, ".jsonl")).Length, frames);
    }

    [Fact]
    public void FileCameraThatEnds_IsProcessedToTheEnd_ThenTheDaemonExitsZero_WithItsRecordingClosed()
    {
        // A 3 s clip, not looping: once its last frame is processed the daemon has nothing left to do. It
        // stops cleanly with exit code 0 (so systemd's Restart=on-failure does not play it again).
        var clip = Path.Combine(_dir, "clip.avi");
        using (var writer = new OpenCvSharp.VideoWriter(clip, OpenCvSharp.FourCC.MJPG, 15, new OpenCvSharp.Size(320, 240)))
        {
            for (int i = 0; i < 45; i++)
            {
                using var frame = new OpenCvSharp.Mat(240, 320, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(3 * i));
                writer.Write(frame);
            }
        }
        var config = Config(DaemonMqttTests.FreePort());
        config["SsdStream"]!["Cameras"] = new JsonArray(new JsonObject { ["Name"] = "cam1", ["Type"] = "file", ["Source"] = clip, ["Loop"] = false, ["Realtime"] = true });
        config["SsdStream"]!["Recording"]!["SegmentSeconds"] = 60;
        using var daemon = new DaemonProcess(_dir);
        daemon.Start(config);
        int code = daemon.WaitForExit(TimeSpan.FromSeconds(90));
        Assert.True(code == 0, daemon.Output);
        Assert.Contains("every camera has ended", daemon.Output);
        Assert.Contains("stopped cleanly", daemon.Output);
        var rec = Path.Combine(_dir, "rec", "cam1");
        Assert.Empty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories));
        var segment = Assert.Single(Closed(rec));
        Assert.Equal(45, DecodeToEnd(segment).Frames);
    }

    private static List<string> Closed(string dir) =>
        Directory.Exists(dir)
            ? Directory.GetFiles(dir, "*.mp4", SearchOption.AllDirectories).Where(f => !f.Contains(".part.", StringComparison.Ordinal)).Order().ToList()
            : [];

    /// <summary>Decodes every frame with ffmpeg; returns the frame count and whatever ffmpeg complained about.</summary>
    internal static (int Frames, string Errors) DecodeToEnd(string video)
    {
        var p = Process.Start(new ProcessStartInfo("ffprobe", $"-v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 \"{video}\"")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = p.StandardOutput.ReadToEnd();
        var errors = p.StandardError.ReadToEnd().Trim();
        p.WaitForExit();
        return (int.Parse(output.Trim()), errors);
    }
}
