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

    /// <summary>Refuses values outside what <paramref name="allowed"/> accepts, as a parse error naming the option (exit 2).</summary>
    public static Option<T> Accepting<T>(this Option<T> option, Func<T, bool> allowed, string what)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (!allowed(value)) result.AddError($"{option.Name} must be {what} (got {value})");
        });
        return option;
    }

    /// <summary>
    /// Picks the compute device from <c>--device</c> and <c>--half</c>, and says on stderr when float16 was
    /// asked for on a device that runs float32.
    /// </summary>
    public static Ssd.Model.Devices.ComputeDevice SelectDevice(string device, bool half)
    {
        var selected = Ssd.Model.Devices.ComputeDevice.Select(device, half);
        if (Ssd.Model.Devices.ComputeDevice.HalfNote(half, selected) is { } note) Console.Error.WriteLine($"note: --half: {note}");
        return selected;
    }

    /// <summary>The VOC image set to read, or null for a COCO file (which lists its own images).</summary>
    public static string? VocImageSet(string dataPath, string? imageSet) => Directory.Exists(dataPath) ? imageSet : null;
}
