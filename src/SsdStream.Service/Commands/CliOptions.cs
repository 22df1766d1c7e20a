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
        Description = "Model file written by `ssdstream import` or `ssdstream train`, or an .onnx from `ssdstream model export-onnx`",
        Required = true,
    };

    public static Option<string> Engine() => new Option<string>("--engine")
    {
        Description = "auto (ONNX Runtime when it can run the model on the device), torch or onnxruntime",
        DefaultValueFactory = _ => "auto",
    }.Accepting(Ssd.Model.Inference.InferenceEngines.IsName, string.Join(", ", Ssd.Model.Inference.InferenceEngines.Names));

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
        Description = "CPU threads of the engine (0: one per core)",
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

    /// <summary>
    /// The detector settings a command's <c>--engine</c>, <c>--device</c>, <c>--half</c> and <c>--threads</c> give
    /// (the rest as the configuration's defaults); pins torch's threads as well, for the torch engine.
    /// </summary>
    public static Ssd.Model.Inference.DetectorSettings Detector(System.CommandLine.ParseResult parse, Option<string> engine, Option<string> device, Option<bool> half, Option<int> threads,
        Ssd.Model.Inference.DetectorSettings? defaults = null)
    {
        var settings = (defaults ?? new Ssd.Model.Inference.DetectorSettings()) with
        {
            Engine = Ssd.Model.Inference.InferenceEngines.Parse(parse.GetValue(engine)!),
            Device = parse.GetValue(device)!,
            Half = parse.GetValue(half),
            Threads = parse.GetValue(threads),
        };
        Ssd.Model.Devices.TorchRuntime.Initialise(settings.Threads);
        return settings;
    }

    /// <summary>Opens the detector a command asked for, telling the user on stderr what they should know (float16 not used...).</summary>
    public static Ssd.Model.Inference.SsdDetector OpenDetector(string path, Ssd.Model.Inference.DetectorSettings settings, Ssd.Model.PostProcessing.PostProcessOptions options) =>
        Ssd.Model.Inference.DetectorLoader.Open(path, settings, options, note => Console.Error.WriteLine($"note: {note}"));

    /// <summary>The VOC image set to read, or null for a COCO file (which lists its own images).</summary>
    public static string? VocImageSet(string dataPath, string? imageSet) => Directory.Exists(dataPath) ? imageSet : null;
}
