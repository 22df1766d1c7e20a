using System.Diagnostics;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Tracking.Evaluation;

namespace SsdStream.Pipeline.Tests.Tracking;

/// <summary>The tracking benchmark's video and ground truth: what eval-track and a user's own evaluator read.</summary>
public sealed class SyntheticTrackingVideoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-synthvideo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Video_HasEveryFrame_AndTheGroundTruthIsMotChallengeWithStableIds()
    {
        var summary = SyntheticTrackingVideo.Write(_dir, seconds: 3, seed: 5, fps: 10, width: 320, height: 240, SegmentEncoders.Best("ffmpeg"));
        Assert.Equal(30, summary.Frames);

        var probe = Process.Start(new ProcessStartInfo("ffprobe", $"-v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,codec_name -of csv=p=0 \"{summary.Video}\"")
        {
            RedirectStandardOutput = true,
        })!;
        var probed = probe.StandardOutput.ReadToEnd().Trim();
        probe.WaitForExit();
        Assert.Equal("h264,30", probed);

        var rows = File.ReadAllLines(summary.GroundTruth).Select(l => l.Split(',')).ToList();
        Assert.Equal(summary.Boxes, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal(9, r.Length);
            int frame = int.Parse(r[0]), left = int.Parse(r[2]), top = int.Parse(r[3]), width = int.Parse(r[4]), height = int.Parse(r[5]);
            Assert.InRange(frame, 1, 30);
            Assert.True(left >= 0 && top >= 0 && width > 0 && height > 0 && left + width <= 320 && top + height <= 240, string.Join(',', r));
            Assert.Contains(r[6], new[] { "0", "1" });
            Assert.InRange(int.Parse(r[7]), 1, 6);
            double visibility = double.Parse(r[8], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(visibility >= 0.5 ? "1" : "0", r[6]);
        });
        // An id names one object: one class, at most one box per frame.
        foreach (var track in rows.GroupBy(r => r[1]))
        {
            Assert.Single(track.Select(r => r[7]).Distinct());
            Assert.Equal(track.Count(), track.Select(r => r[0]).Distinct().Count());
        }
        Assert.Equal(6, File.ReadAllLines(summary.Labels).Length);

        // The same seed gives the same truth.
        var again = SyntheticTrackingVideo.Write(Path.Combine(_dir, "again"), 3, 5, 10, 320, 240, SegmentEncoders.Best("ffmpeg"));
        Assert.Equal(File.ReadAllText(summary.GroundTruth), File.ReadAllText(again.GroundTruth));
    }
}
