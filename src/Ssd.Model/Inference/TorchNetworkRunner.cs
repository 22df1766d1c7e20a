using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Inference;

/// <summary>The network on TorchSharp (libtorch), on the CPU or a CUDA device; each run in its own dispose scope.</summary>
public sealed class TorchNetworkRunner : INetworkRunner
{
    private readonly SsdModel _model;
    private readonly bool _ownsModel;

    /// <param name="model">Moved to the device and set to eval mode.</param>
    /// <param name="ownsModel">Whether disposing the runner disposes the model.</param>
    public TorchNetworkRunner(SsdModel model, ComputeDevice device, bool ownsModel = true)
    {
        _model = model;
        _ownsModel = ownsModel;
        Device = device;
        model.Network.to(device.Device, device.ScalarType);
        model.Network.eval();
    }

    public ComputeDevice Device { get; }

    public string Description => $"torch ({Device})";

    /// <inheritdoc/>
    public void Run(ReadOnlySpan<float> images, int count, Span<float> locs, Span<float> confs)
    {
        int size = _model.Architecture.InputSize;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(images[..(count * 3 * size * size)].ToArray(), [count, 3, size, size]).to(Device.ScalarType, Device.Device);
        var (l, c) = _model.Network.forward(x);
        l.to(ScalarType.Float32).cpu().contiguous().data<float>().CopyTo(locs);
        c.to(ScalarType.Float32).cpu().contiguous().data<float>().CopyTo(confs);
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
