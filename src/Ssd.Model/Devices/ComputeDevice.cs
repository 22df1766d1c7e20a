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
            _ when p == "cuda" || p.StartsWith("cuda:", StringComparison.Ordinal) =>
                cudaAvailable ? new Device(p) : throw new InvalidOperationException($"device '{preference}' was asked for, but libtorch sees no CUDA GPU (is this the CUDA build? see README: TorchBackend=cuda)"),
            _ => throw new ArgumentException($"unknown device '{preference}'; use auto, cpu, cuda or cuda:N", nameof(preference)),
        };
        return new ComputeDevice(device, half && device.type == DeviceType.CUDA);
    }

    public override string ToString() => Half ? $"{Device.type.ToString().ToLowerInvariant()} (float16)" : Device.type.ToString().ToLowerInvariant();
}
