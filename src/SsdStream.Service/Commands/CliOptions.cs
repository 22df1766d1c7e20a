using System.CommandLine;

namespace SsdStream.Service.Commands;

/// <summary>Options several commands share, with one definition each.</summary>
internal static class CliOptions
{
    public static Option<string> Architecture(bool required = true) => new("--arch")
    {
        Description = "Architecture: ssd300-resnet50 or ssdlite-mobilenetv2",
        Required = required,
    };

    public static Option<FileInfo> Model() => new("--model")
    {
        Description = "Model file written by `ssdstream import` or `ssdstream train`",
        Required = true,
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "auto (CUDA when present), cpu, cuda or cuda:N",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<bool> Half() => new("--half")
    {
        Description = "Run in float16 on CUDA",
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "CPU threads for torch (0: libtorch's default)",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>The VOC image set to read, or null for a COCO file (which lists its own images).</summary>
    public static string? VocImageSet(string dataPath, string? imageSet) => Directory.Exists(dataPath) ? imageSet : null;
}
