using System.Diagnostics;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.PostProcessing;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Inference;

/// <summary>
/// Runs a model on batches of preprocessed images and post-processes the result. Not thread-safe: one
/// thread owns a detector (TorchSharp dispose scopes are per thread). Every call runs in its own
/// dispose scope; results leave as managed arrays.
/// </summary>
public sealed class SsdDetector : IDisposable
{
    private readonly DetectionPostProcessor _postProcessor;
    private readonly bool _ownsModel;

    /// <param name="model">Moved to the device and set to eval mode.</param>
    /// <param name="ownsModel">Whether disposing the detector disposes the model.</param>
    public SsdDetector(SsdModel model, ComputeDevice device, PostProcessOptions options, bool ownsModel = true)
    {
        _ownsModel = ownsModel;
        Model = model;
        Device = device;
        _postProcessor = new DetectionPostProcessor(model.DefaultBoxes, options);
        Preprocessor = new ImagePreprocessor(model.Architecture.InputSize);
        model.Network.to(device.Device, device.ScalarType);
        model.Network.eval();
    }

    public SsdModel Model { get; }

    public ComputeDevice Device { get; }

    public ImagePreprocessor Preprocessor { get; }

    public PostProcessOptions Options => _postProcessor.Options;

    /// <summary>Time of the last call's network forward (including host/device copies) and of its post-processing.</summary>
    public (TimeSpan Forward, TimeSpan PostProcess) LastTimings { get; private set; }

    /// <summary>
    /// Detects objects in <paramref name="count"/> images. <paramref name="inputs"/>: <c>[count, 3, S, S]</c>
    /// normalised RGB as <see cref="ImagePreprocessor"/> writes it. Returns per image the detections, best
    /// first, boxes (x1, y1, x2, y2) in 0..1 of the image.
    /// </summary>
    public Detection[][] Detect(ReadOnlySpan<float> inputs, int count)
    {
        int length = Preprocessor.ImageLength;
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one image");
        if (inputs.Length < count * length) throw new ArgumentException($"inputs hold {inputs.Length} floats; {count} images need {count * length}", nameof(inputs));
        var sw = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int size = Preprocessor.Size;
        var x = tensor(inputs[..(count * length)].ToArray(), [count, 3, size, size]).to(Device.ScalarType, Device.Device);
        var (locs, confs) = Model.Network.forward(x);
        locs = locs.cpu();
        confs = confs.cpu();
        var forward = sw.Elapsed;
        sw.Restart();
        var result = _postProcessor.Process(locs, confs);
        LastTimings = (forward, sw.Elapsed);
        return result;
    }

    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
