using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Devices;

/// <summary>Where and in which precision the model runs.</summary>
/// <param name="Device">The torch device.</param>
/// <param name="Half">Run the network in float16 (CUDA only).</param>
public sealed record ComputeDevice(Device Device, bool Half)
{
    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>The element type the network's inputs and weights use.</summary>
    public ScalarType ScalarType => Half ? ScalarType.Float16 : ScalarType.Float32;

    /// <summary>
    /// Chooses the device: <c>auto</c> takes CUDA whenever libtorch sees a GPU, else the CPU; <c>cpu</c> and
    /// <c>cuda</c> (or <c>cuda:N</c>) force one. Half precision is honoured on CUDA only.
    /// </summary>
    public static ComputeDevice Select(string preference = "auto", bool half = false)
    {
        var p = (preference ?? "auto").Trim().ToLowerInvariant();
        bool cudaAvailable = TorchSharp.torch.cuda.is_available();
        Device device = p switch
        {
            "auto" => cudaAvailable ? CUDA : CPU,
            "cpu" => CPU,
            _ when p == "cuda" || p.StartsWith("cuda:", StringComparison.Ordinal) => Cuda(p, preference!, cudaAvailable),
            _ => throw new ArgumentException($"unknown device '{preference}'; use auto, cpu, cuda or cuda:N", nameof(preference)),
        };
        return new ComputeDevice(device, half && device.type == DeviceType.CUDA);
    }

    private static Device Cuda(string p, string preference, bool available)
    {
        if (!available)
            throw new DeviceUnavailableException($"device '{preference}' was asked for, but libtorch sees no CUDA GPU (is this the CUDA build? see README: TorchBackend=cuda)");
        if (p.Length > 5)
        {
            int count = TorchSharp.torch.cuda.device_count();
            if (!int.TryParse(p.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
                throw new ArgumentException($"unknown device '{preference}'; use auto, cpu, cuda or cuda:N", nameof(preference));
            if (index >= count) throw new DeviceUnavailableException($"device '{preference}' was asked for, but libtorch sees {count} CUDA GPU(s), cuda:0 to cuda:{count - 1}");
        }
        return new Device(p);
    }

    /// <summary>What to tell a user who asked for float16 on a device that runs float32 (null when nothing needs saying).</summary>
    public static string? HalfNote(bool asked, ComputeDevice selected) =>
        asked && !selected.Half ? $"float16 needs CUDA; running float32 on the {selected}" : null;

    public override string ToString() => Half ? $"{Device.type.ToString().ToLowerInvariant()} (float16)" : Device.type.ToString().ToLowerInvariant();
}
