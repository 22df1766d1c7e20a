using System.CommandLine;
using System.Diagnostics;
using Ssd.Model.Data.Synthetic;

namespace SsdStream.Service.Commands;

/// <summary><c>ssdstream dataset synth</c>: writes a synthetic shapes dataset in COCO layout.</summary>
internal static class DatasetCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory to write train/ and val/ into (new or empty)", Required = true };
        var images = new Option<int>("--images") { Description = "Number of images over both splits", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed; the same seed gives the same files", DefaultValueFactory = _ => 1 };
        var valFraction = new Option<double>("--val-fraction") { Description = "Share of the images written to val/", DefaultValueFactory = _ => 0.2 };
        var defaults = new SyntheticSceneOptions();
        var minSize = new Option<double>("--min-size") { Description = "Smallest object diameter, as a fraction of the image's short side", DefaultValueFactory = _ => defaults.MinSize };
        var maxSize = new Option<double>("--max-size") { Description = "Largest object diameter, as a fraction of the image's short side", DefaultValueFactory = _ => defaults.MaxSize };
        var moving = new Option<double>("--moving-fraction")
        {
            Description = "Share of the images that are frames of moving scenes as the synthetic camera draws them (objects cut by the frame's edge and hidden by others)",
            DefaultValueFactory = _ => 0,
        }.Accepting(v => v >= 0 && v <= 1, "in [0, 1]");
        var synth = new Command("synth", "Write a synthetic dataset of shapes (" + string.Join(", ", SyntheticShapes.ClassNames) + ") on cluttered backgrounds, in COCO format")
            { output, images, seed, valFraction, minSize, maxSize, moving };
        synth.SetAction(parse => CommandErrors.Run(() =>
        {
            var root = parse.GetValue(output)!.FullName;
            foreach (var split in new[] { "train", "val" })
            {
                var dir = Path.Combine(root, split);
                if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                    throw new BadInputException($"--out '{root}' already holds a dataset ({split}/ is not empty); give a new or empty folder");
            }
            var options = defaults with { MinSize = parse.GetValue(minSize), MaxSize = parse.GetValue(maxSize) };
            options.Validate();
            var clock = Stopwatch.StartNew();
            var summary = SyntheticDatasetWriter.Write(parse.GetValue(output)!.FullName, parse.GetValue(images), parse.GetValue(seed), parse.GetValue(valFraction), options, parse.GetValue(moving));
            Console.WriteLine($"wrote {summary.TrainImages} train and {summary.ValImages} val images with {summary.Objects} objects to {summary.Root} in {clock.Elapsed.TotalSeconds:0.0} s");
            for (int i = 0; i < summary.ObjectsPerClass.Count; i++) Console.WriteLine($"  {SyntheticShapes.ClassNames[i]}: {summary.ObjectsPerClass[i]}");
            Console.WriteLine($"annotations: {summary.TrainAnnotations}, {summary.ValAnnotations}");
            return 0;
        }));
        return new Command("dataset", "Create datasets") { synth, SynthVideo() };
    }

    /// <summary><c>ssdstream dataset synth-video</c>: the synthetic camera's scene as a video with MOT Challenge ground truth.</summary>
    private static Command SynthVideo()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write video.mp4, gt/gt.txt and labels.txt into", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "Length of the video", Required = true }.Accepting(v => v > 0, "positive");
        var seed = new Option<int>("--seed") { Description = "Seed; the same seed gives the same scene", DefaultValueFactory = _ => 1 };
        var camera = new SsdStream.Service.Configuration.SyntheticOptions();
        var fps = new Option<double>("--fps") { Description = "Frames per second", DefaultValueFactory = _ => camera.Fps }.Accepting(v => v > 0 && v <= 120, "in (0, 120]");
        var width = new Option<int>("--width") { Description = "Frame width in pixels", DefaultValueFactory = _ => camera.Width }.Accepting(v => v >= 32, "at least 32");
        var height = new Option<int>("--height") { Description = "Frame height in pixels", DefaultValueFactory = _ => camera.Height }.Accepting(v => v >= 32, "at least 32");
        var command = new Command("synth-video", "Write the synthetic camera's scene as video.mp4 with its ground truth in MOT Challenge format (gt/gt.txt), for eval-track")
            { output, seconds, seed, fps, width, height };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            var encoders = SsdStream.Pipeline.Recording.SegmentEncoders.Best(new SsdStream.Pipeline.Recording.RecordingSettings().Ffmpeg);
            var summary = SsdStream.Pipeline.Tracking.Evaluation.SyntheticTrackingVideo.Write(parse.GetValue(output)!.FullName, parse.GetValue(seconds),
                parse.GetValue(seed), parse.GetValue(fps), parse.GetValue(width), parse.GetValue(height), encoders,
                new SyntheticSceneOptions { MinSize = camera.MinObjectSize, MaxSize = camera.MaxObjectSize });
            Console.WriteLine($"wrote {summary.Frames} frames ({summary.Codec}) with {summary.Identities} objects and {summary.Boxes} boxes in {clock.Elapsed.TotalSeconds:0.0} s:");
            Console.WriteLine($"  {summary.Video}");
            Console.WriteLine($"  {summary.GroundTruth}");
            Console.WriteLine($"  {summary.Labels}");
            return 0;
        }));
        return command;
    }
}
