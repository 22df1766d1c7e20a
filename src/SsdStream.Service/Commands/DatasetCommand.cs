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
        var synth = new Command("synth", "Write a synthetic dataset of shapes (" + string.Join(", ", SyntheticShapes.ClassNames) + ") on cluttered backgrounds, in COCO format")
            { output, images, seed, valFraction, minSize, maxSize };
        synth.SetAction(parse => CommandErrors.Run(() =>
        {
            var options = defaults with { MinSize = parse.GetValue(minSize), MaxSize = parse.GetValue(maxSize) };
            options.Validate();
            var clock = Stopwatch.StartNew();
            var summary = SyntheticDatasetWriter.Write(parse.GetValue(output)!.FullName, parse.GetValue(images), parse.GetValue(seed), parse.GetValue(valFraction), options);
            Console.WriteLine($"wrote {summary.TrainImages} train and {summary.ValImages} val images with {summary.Objects} objects to {summary.Root} in {clock.Elapsed.TotalSeconds:0.0} s");
            for (int i = 0; i < summary.ObjectsPerClass.Count; i++) Console.WriteLine($"  {SyntheticShapes.ClassNames[i]}: {summary.ObjectsPerClass[i]}");
            Console.WriteLine($"annotations: {summary.TrainAnnotations}, {summary.ValAnnotations}");
            return 0;
        }));
        return new Command("dataset", "Create datasets") { synth };
    }
}
