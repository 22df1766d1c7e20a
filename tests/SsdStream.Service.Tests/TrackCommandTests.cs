using System.Globalization;
using System.Text.RegularExpressions;

namespace SsdStream.Service.Tests;

/// <summary>
/// Measuring the tracker as a user does (README, "Commands"): <c>dataset synth-video</c> makes a video with
/// ground truth, <c>track</c> runs the shipped demo model and a configured camera's tracker over it, and
/// <c>eval-track</c> prints the MOT Challenge metrics; bad files are one line and exit 2.
/// </summary>
public sealed partial class TrackCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-track-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string DemoModel => Path.Combine(AppContext.BaseDirectory, "models", "demo", "demo.ssdm");

    private string File(string name) => Path.Combine(_dir, name);

    /// <summary>A configuration with two cameras, the second the one to track with.</summary>
    private void WriteConfiguration() => System.IO.File.WriteAllText(File("cameras.json"), """
        {"SsdStream": {"Cameras": [
          {"Name": "garden", "Type": "synthetic", "Filter": {"Labels": ["circle"]}},
          {"Name": "porch", "Type": "synthetic"}
        ]}}
        """);

    [GeneratedRegex(@"^overall((?:\s+\S+){17})\s*$", RegexOptions.Multiline)]
    private static partial Regex OverallRow();

    [Fact]
    public void SynthVideo_Track_EvalTrack_MeasureTheDemoModelsTracking()
    {
        var (code, output) = CommandLineTests.Ssdstream(_dir, "dataset", "synth-video", "--out", File("clip"), "--seconds", "10", "--seed", "4711");
        Assert.True(code == 0, output);
        WriteConfiguration();

        // --config relative to the current folder, as `run` takes it; the porch camera sees every label.
        (code, output) = CommandLineTests.Ssdstream(_dir, "track", File("clip/video.mp4"), "--model", DemoModel, "--out", File("results.txt"),
            "--config", "cameras.json", "--camera", "porch", "--threads", "1");
        Assert.True(code == 0, output);
        Assert.Matches(@"^100 frames, \d+ objects, \d+ events \(\d+ new, \d+ update, \d+ end\), [\d.]+ ms/frame .*camera 'porch'", output);

        // MOT Challenge results: frame (1..100), whole-number id, box in the frame's pixels, score, class id of labels.txt, -1, -1.
        var rows = System.IO.File.ReadAllLines(File("results.txt")).Select(l => l.Split(',')).ToList();
        Assert.NotEmpty(rows);
        var labels = System.IO.File.ReadAllLines(File("clip/labels.txt"));
        foreach (var r in rows)
        {
            Assert.Equal(10, r.Length);
            Assert.InRange(int.Parse(r[0], CultureInfo.InvariantCulture), 1, 100);
            Assert.True(int.Parse(r[1], CultureInfo.InvariantCulture) >= 1);
            double left = Number(r[2]), top = Number(r[3]), width = Number(r[4]), height = Number(r[5]);
            Assert.True(left >= 0 && top >= 0 && width > 0 && height > 0 && left + width <= 640.01 && top + height <= 480.01, string.Join(',', r));
            Assert.InRange(Number(r[6]), 0, 1);
            Assert.InRange(int.Parse(r[7], CultureInfo.InvariantCulture), 1, labels.Length);
            Assert.Equal(["-1", "-1"], r[8..]);
        }
        // In frame order; objects in view from the start are written from frame 1, before their tracks were
        // confirmed: an object's life starts at its first detection.
        var frames = rows.Select(r => int.Parse(r[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(frames.Order(), frames);
        Assert.Equal(1, frames[0]);

        (code, output) = CommandLineTests.Ssdstream(_dir, "eval-track", "--gt", File("clip/gt/gt.txt"), "--results", File("results.txt"));
        Assert.True(code == 0, output);
        foreach (var column in new[] { "HOTA", "DetA", "AssA", "MOTA", "MOTP", "IDF1", "IDP", "IDR", "IDsw", "MT", "PT", "ML", "GT ids", "FP", "FN" })
            Assert.Contains(column, output);
        // Rows per class, by the names of labels.txt, and overall.
        Assert.Contains(output.Split('\n'), line => labels.Any(l => line.StartsWith(l + " ", StringComparison.Ordinal)));
        var overall = OverallRow().Match(output);
        Assert.True(overall.Success, output);
        var values = overall.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Number).ToArray();
        double mota = values[3], idf1 = values[5];
        // The demo model and tracker follow most of the scene's objects under their own ids.
        Assert.True(mota >= 60 && idf1 >= 60, output);
    }

    [Fact]
    public void BadInput_IsOneLineAndExit2()
    {
        System.IO.File.WriteAllText(File("gt.txt"), "1,1,10,10,50,50,1\n");
        System.IO.File.WriteAllText(File("results.txt"), "1,1,10,10,50,50,0.9,1,-1,-1\n");
        var (code, output) = CommandLineTests.Ssdstream(_dir, "eval-track", "--gt", File("gt.txt"), "--results", File("results.txt"));
        Assert.Equal(2, code);
        Assert.Equal("error: gt.txt line 1: 7 columns; at least 8 expected.", output);

        WriteConfiguration();
        (code, output) = CommandLineTests.Ssdstream(_dir, "track", File("nothere.mp4"), "--model", DemoModel, "--out", File("r.txt"));
        Assert.Equal(2, code);
        Assert.Matches(@"^error: video '.*nothere\.mp4' does not exist$", output);

        System.IO.File.WriteAllBytes(File("clip.mp4"), [1, 2, 3]);
        (code, output) = CommandLineTests.Ssdstream(_dir, "track", File("clip.mp4"), "--model", DemoModel, "--out", File("r.txt"), "--config", "cameras.json", "--camera", "attic");
        Assert.Equal(2, code);
        Assert.Equal("error: --camera 'attic': the configuration has no such camera (it has 'garden', 'porch')", output);

        // A configuration the daemon would refuse is refused here too, as `run` does it (78, naming the key).
        (code, output) = CommandLineTests.Ssdstream(_dir, "track", File("clip.mp4"), "--model", DemoModel, "--out", File("r.txt"));
        Assert.Equal(78, code);
        Assert.Equal("configuration error: SsdStream:Cameras: no enabled camera is configured", output);
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
