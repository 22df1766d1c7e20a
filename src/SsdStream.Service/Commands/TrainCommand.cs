using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Ssd.Model.Data;
using Ssd.Model.Devices;
using Ssd.Model.Networks;
using Ssd.Model.Training;

using static SsdStream.Service.Commands.CliOptions;

namespace SsdStream.Service.Commands;

/// <summary><c>ssdstream train</c>: fine-tunes or trains an SSD on a COCO or VOC dataset.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "COCO annotation JSON or Pascal VOC directory", Required = true };
        var images = new Option<string?>("--images") { Description = "Image directory of a COCO dataset (default: images/ beside the JSON)" };
        var valData = new Option<string?>("--val-data") { Description = "Validation annotations (COCO JSON or VOC directory)" };
        var valImages = new Option<string?>("--val-images") { Description = "Validation image directory" };
        var imageSet = new Option<string>("--image-set") { Description = "VOC image set for training", DefaultValueFactory = _ => "train" };
        var valImageSet = new Option<string>("--val-image-set") { Description = "VOC image set for validation", DefaultValueFactory = _ => "val" };
        var arch = CliOptions.Architecture();
        var from = new Option<string?>("--from") { Description = "Start from a model file, checkpoint or PyTorch .pth" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for checkpoints, models and TensorBoard logs", Required = true };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 65 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Learning rate for a batch of 32 (scaled by batch/32)", DefaultValueFactory = _ => 2.6e-3 };
        var milestones = new Option<string>("--milestones") { Description = "Epochs after which the rate drops 10x", DefaultValueFactory = _ => "43,54" };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up iterations", DefaultValueFactory = _ => 300 };
        var workers = new Option<int>("--workers") { Description = "Data loading threads", DefaultValueFactory = _ => 2 };
        var resume = new Option<bool>("--resume") { Description = "Continue from <out>/last.ckpt" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the run already in --out (its checkpoint, models and logs)" };
        var classes = new Option<FileInfo?>("--classes")
        {
            Description = "VOC data: label file, one class name per line, in class-id order (default: the names in the data's Annotations, or the 20 VOC classes when those are all it uses)",
        };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Skip bad annotations instead of stopping, and report how many" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate on the validation set every N epochs", DefaultValueFactory = _ => 1 };
        var threads = CliOptions.Threads();
        var device = CliOptions.Device();
        var command = new Command("train", "Train or fine-tune an SSD; COCO mAP on the validation set after each epoch")
            { data, images, valData, valImages, imageSet, valImageSet, classes, arch, from, output, epochs, batch, lr, milestones, warmup, workers, resume, overwrite, skipBad, seed, evalEvery, threads, device };
        command.SetAction((parse, cancellation) => CommandErrors.RunAsync(() =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            GuardOutput(outDir, parse.GetValue(resume), parse.GetValue(overwrite));
            bool skip = parse.GetValue(skipBad);
            var dataPath = parse.GetValue(data)!;
            var train = DatasetReader.Read(dataPath, parse.GetValue(images), VocImageSet(dataPath, parse.GetValue(imageSet)), skip,
                ClassNamesFor(dataPath, parse.GetValue(classes)));
            DatasetSkips.ReportRead(train);
            DetectionDataset? val = null;
            if (parse.GetValue(valData) is { } valPath)
            {
                val = DatasetReader.Read(valPath, parse.GetValue(valImages), VocImageSet(valPath, parse.GetValue(valImageSet)), skip, Directory.Exists(valPath) ? train.ClassNames : null);
                DatasetSkips.ReportRead(val);
                if (!val.ClassNames.SequenceEqual(train.ClassNames))
                    throw new ArgumentException($"the validation classes ({string.Join(", ", val.ClassNames)}) differ from the training classes ({string.Join(", ", train.ClassNames)})");
            }
            var options = new TrainingOptions
            {
                Architecture = SsdArchitecture.Parse(parse.GetValue(arch)!),
                OutputDirectory = outDir,
                From = parse.GetValue(from),
                Resume = parse.GetValue(resume),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Milestones = ParseMilestones(parse.GetValue(milestones)!),
                WarmupIterations = parse.GetValue(warmup),
                Workers = parse.GetValue(workers),
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!,
                EvaluateEvery = parse.GetValue(evalEvery),
            };
            TorchRuntime.Initialise(parse.GetValue(threads));
            if (parse.GetValue(overwrite)) TrainingRunFolder.Clear(outDir);
            Console.WriteLine($"training {options.Architecture.Name} on {train.Images.Count} images ({train.ObjectCount} objects, {train.ClassNames.Count} classes: {string.Join(", ", train.ClassNames)})"
                + (val is null ? "" : $", validating on {val.Images.Count} images"));
            string Train(ITrainingObserver observer) => new SsdTrainer(options, observer).Run(train, val, cancellation);
            // Bars on a terminal; whole lines where the output is a file, a pipe or a terminal without ANSI.
            var terminal = AnsiConsole.Profile.Capabilities;
            var final = !Console.IsOutputRedirected && terminal.Interactive && terminal.Ansi
                ? TrainingProgressBars.Run(AnsiConsole.Console, Train)
                : Train(new PlainTrainingLog(Console.Out));
            DatasetSkips.ReportUndecodable(train);
            if (val != null) DatasetSkips.ReportUndecodable(val);
            Console.WriteLine($"final model: {final}");
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>Refuses to write into a folder holding another run, unless the run is to be continued or replaced.</summary>
    internal static void GuardOutput(string outDir, bool resume, bool overwrite)
    {
        if (resume && overwrite) throw new BadInputException("--resume continues the run in --out and --overwrite replaces it; give one of them");
        if (resume || overwrite) return;
        var existing = TrainingRunFolder.ExistingOutputs(outDir);
        if (existing.Count > 0)
            throw new BadInputException($"--out '{outDir}' holds another training run ({string.Join(", ", existing)}); continue it with --resume, replace it with --overwrite, or choose another folder");
    }

    /// <summary>
    /// The class names of a VOC folder: the label file when given, else those its annotations use. Null for
    /// a COCO file, which names its own categories (a label file is refused there).
    /// </summary>
    private static IReadOnlyList<string>? ClassNamesFor(string dataPath, FileInfo? labelFile)
    {
        if (!Directory.Exists(dataPath))
        {
            if (labelFile != null) throw new BadInputException($"--classes applies to VOC folders; the COCO file '{dataPath}' names its own categories");
            return null;
        }
        return labelFile != null ? Ssd.Model.Checkpoints.ClassNames.ReadLabelFile(labelFile.FullName) : VocDatasetReader.ClassNamesOf(dataPath);
    }

    internal static int[] ParseMilestones(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--milestones must be epochs separated by commas, like 43,54 (got '{text}')");
        }
    }
}
