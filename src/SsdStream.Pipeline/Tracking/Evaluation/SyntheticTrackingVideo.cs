using System.Globalization;
using Ssd.Model.Data.Synthetic;
using SsdStream.Pipeline.Recording;

namespace SsdStream.Pipeline.Tracking.Evaluation;

/// <summary>What <see cref="SyntheticTrackingVideo.Write"/> wrote.</summary>
public sealed record SyntheticTrackingVideoSummary(string Video, string GroundTruth, string Labels, int Frames, int Identities, int Boxes, string Codec);

/// <summary>
/// A video of the synthetic camera's scene with its ground truth in MOT Challenge format, for measuring a
/// tracker: <c>video.mp4</c>, <c>gt/gt.txt</c> and <c>labels.txt</c> in one folder.
/// <para>
/// gt.txt has one line per object and frame: <c>frame,id,left,top,width,height,consider,class_id,visibility</c>,
/// frames from 1, boxes in pixels tight around the object's visible pixels (left/top 0-based, as every box
/// of SsdStream), ids unique within the video. <c>consider</c> is 1 when at least half of the object's
/// pixels are visible and 0 when it is mostly outside the frame or hidden (an evaluator ignores it then);
/// <c>visibility</c> is that share. Class ids are 1-based in <c>labels.txt</c>'s order.
/// </para>
/// </summary>
public static class SyntheticTrackingVideo
{
    public static SyntheticTrackingVideoSummary Write(string directory, double seconds, int seed, double fps, int width, int height,
        ISegmentEncoderFactory encoders, SyntheticSceneOptions? options = null)
    {
        if (!(seconds > 0)) throw new ArgumentException($"the length must be positive, got {seconds} s", nameof(seconds));
        if (!(fps > 0 && fps <= 120)) throw new ArgumentException($"the frame rate must be in (0, 120], got {fps}", nameof(fps));
        var root = Path.GetFullPath(directory);
        var video = Path.Combine(root, "video.mp4");
        var gt = Path.Combine(root, "gt", "gt.txt");
        var labels = Path.Combine(root, "labels.txt");
        foreach (var existing in new[] { video, gt, labels })
        {
            if (File.Exists(existing)) throw new ArgumentException($"'{existing}' exists already; write the video to a new folder");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(gt)!);
        int frames = (int)Math.Round(seconds * fps);
        using var scene = new SyntheticSceneSequence(width, height, seed, options);
        var ids = new HashSet<int>();
        int boxes = 0;
        using (var encoder = encoders.Open(video, width, height, fps))
        using (var truth = new StreamWriter(gt))
        {
            truth.NewLine = "\n";
            for (int frame = 1; frame <= frames; frame++)
            {
                using var image = scene.RenderNextIdentified(out var objects);
                encoder.Write(image);
                foreach (var o in objects)
                {
                    int consider = o.Visibility >= SyntheticSceneSequence.MinVisibleFraction ? 1 : 0;
                    truth.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{frame},{o.Id},{o.X1},{o.Y1},{o.X2 - o.X1},{o.Y2 - o.Y1},{consider},{o.ClassId},{o.Visibility:0.###}"));
                    ids.Add(o.Id);
                    boxes++;
                }
            }
            encoder.Finish();
        }
        File.WriteAllLines(labels, SyntheticSceneSequence.ClassNames);
        return new SyntheticTrackingVideoSummary(video, gt, labels, frames, ids.Count, boxes, encoders.Codec);
    }
}
