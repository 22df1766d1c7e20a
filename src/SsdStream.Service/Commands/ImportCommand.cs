using System.CommandLine;
using System.Text.Json.Nodes;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Networks;

namespace SsdStream.Service.Commands;

/// <summary><c>ssdstream import</c>: a PyTorch checkpoint of a reference model into our model file.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("checkpoint") { Description = "PyTorch checkpoint (.pth) written by torch.save" };
        var arch = CliOptions.Architecture();
        var output = new Option<FileInfo>("--out") { Description = "Model file to write", Required = true };
        var classes = new Option<FileInfo?>("--classes") { Description = "Label file, one class name per line; a checkpoint with another class count keeps its backbone and gets fresh class heads" };
        var half = new Option<bool>("--half") { Description = "Store the weights as float16" };
        var command = new Command("import", "Convert a PyTorch SSD checkpoint into an ssdstream model file") { file, arch, output, classes, half };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var architecture = SsdArchitecture.Parse(parse.GetValue(arch)!);
            var source = parse.GetValue(file)!.FullName;
            var labelFile = parse.GetValue(classes);
            var names = labelFile is null ? null : ClassNames.ReadLabelFile(labelFile.FullName);
            TorchRuntime.Initialise();
            using var model = PyTorchCheckpointImporter.Import(source, architecture, names);
            var destination = parse.GetValue(output)!.FullName;
            ModelFile.Save(model, destination, parse.GetValue(half), new JsonObject
            {
                ["imported_from"] = Path.GetFileName(source),
                ["created"] = DateTime.UtcNow.ToString("O"),
            });
            Console.WriteLine($"imported {Path.GetFileName(source)} as {architecture.Name} with {model.ClassNames.Count} classes to {destination}");
            return 0;
        }));
        return command;
    }
}
