using System.CommandLine;
using Ssd.Model.Devices;
using Ssd.Model.Networks;

namespace SsdStream.Service.Commands;

/// <summary><c>ssdstream model info</c>: the shape of an architecture.</summary>
internal static class ModelInfoCommand
{
    public static Command Create()
    {
        var arch = CliOptions.Architecture();
        var classes = new Option<int>("--classes") { Description = "Classes including background", DefaultValueFactory = _ => 81 };
        var info = new Command("info", "Print an architecture's feature maps, default boxes and parameter count") { arch, classes };
        info.SetAction(parse => CommandErrors.Run(() =>
        {
            var architecture = SsdArchitecture.Parse(parse.GetValue(arch)!);
            int numClasses = parse.GetValue(classes);
            TorchRuntime.Initialise();
            using var network = architecture.CreateNetwork(numClasses);
            long parameters = network.parameters().Sum(p => p.numel());
            var config = architecture.BoxConfig;
            Console.WriteLine($"architecture: {architecture.Name}");
            Console.WriteLine($"input: {architecture.InputSize}x{architecture.InputSize} RGB");
            Console.WriteLine($"classes: {numClasses} (including background)");
            Console.WriteLine("maps:");
            for (int k = 0; k < config.FeatureSizes.Count; k++)
            {
                int f = config.FeatureSizes[k];
                Console.WriteLine($"  {k}: {f}x{f}, {architecture.MapChannels[k]} channels, {config.BoxesPerCell[k]} boxes per cell, {f * f * config.BoxesPerCell[k]} boxes");
            }
            Console.WriteLine($"boxes: {config.BoxCount}");
            Console.WriteLine($"parameters: {parameters}");
            return 0;
        }));
        var model = new Command("model", "Inspect architectures, convert model files and export them to ONNX") { info, Convert(), ExportOnnx() };
        return model;
    }

    /// <summary>
    /// <c>ssdstream model export-onnx</c>: writes a model file (or a checkpoint's model) as a standard ONNX graph with
    /// its architecture, classes and input size in the metadata (docs/onnx.md).
    /// </summary>
    private static Command ExportOnnx()
    {
        var input = new Argument<FileInfo>("model") { Description = "Model file or training checkpoint" };
        var output = new Option<FileInfo>("--out") { Description = "ONNX file to write (.onnx)", Required = true };
        var half = new Option<bool>("--half") { Description = "float16 weights and activations inside the graph, float32 input and outputs (for GPUs)" };
        var export = new Command("export-onnx", "Write a model as an ONNX graph: input images [N,3,S,S] float32, outputs locs [N,4,B] and confs [N,C,B]") { input, output, half };
        export.SetAction(parse => CommandErrors.Run(() =>
        {
            var destination = parse.GetValue(output)!.FullName;
            if (!Ssd.Model.Onnx.OnnxModelInfo.IsOnnx(destination)) throw new BadInputException($"--out '{destination}': an ONNX file's name ends in .onnx");
            if (Path.GetDirectoryName(destination) is { } folder && !Directory.Exists(folder)) throw new BadInputException($"--out '{destination}': folder '{folder}' does not exist");
            TorchRuntime.Initialise();
            var source = parse.GetValue(input)!.FullName;
            using var loaded = Ssd.Model.Checkpoints.ModelFile.Load(source);
            Ssd.Model.Onnx.OnnxExporter.Save(loaded, destination, parse.GetValue(half));
            Console.WriteLine($"wrote {destination} ({new FileInfo(destination).Length / 1024.0 / 1024.0:0.0} MiB, {loaded.Architecture.Name}, {loaded.ClassNames.Count} classes, "
                + $"images [N, 3, {loaded.Architecture.InputSize}, {loaded.Architecture.InputSize}] -> locs [N, 4, {loaded.DefaultBoxes.Count}], confs [N, {loaded.NumClasses}, {loaded.DefaultBoxes.Count}]"
                + (parse.GetValue(half) ? ", float16 inside" : "") + ")");
            return 0;
        }));
        return export;
    }

    /// <summary><c>ssdstream model convert</c>: rewrites a model file or checkpoint as a model file, optionally in float16.</summary>
    private static Command Convert()
    {
        var input = new Argument<FileInfo>("model") { Description = "Model file or training checkpoint" };
        var output = new Option<FileInfo>("--out") { Description = "Model file to write", Required = true };
        var half = new Option<bool>("--half") { Description = "Store the weights as float16 (half the size)" };
        var convert = new Command("convert", "Write a model file (or a checkpoint's model) as a model file, optionally in float16") { input, output, half };
        convert.SetAction(parse => CommandErrors.Run(() =>
        {
            TorchRuntime.Initialise();
            var source = parse.GetValue(input)!.FullName;
            using var loaded = Ssd.Model.Checkpoints.ModelFile.Load(source);
            var destination = parse.GetValue(output)!.FullName;
            Ssd.Model.Checkpoints.ModelFile.Save(loaded, destination, parse.GetValue(half), new System.Text.Json.Nodes.JsonObject { ["converted_from"] = Path.GetFileName(source) });
            Console.WriteLine($"wrote {destination} ({new FileInfo(destination).Length / 1024.0 / 1024.0:0.0} MiB, {loaded.Architecture.Name}, {loaded.ClassNames.Count} classes)");
            return 0;
        }));
        return convert;
    }
}
