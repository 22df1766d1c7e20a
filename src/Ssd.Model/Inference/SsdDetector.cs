using System.Diagnostics;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.PostProcessing;

namespace Ssd.Model.Inference;

/// <summary>
/// Runs a network (on either engine, see <see cref="INetworkRunner"/>) on batches of preprocessed images and
/// post-processes the result. Not thread-safe: one thread owns a detector (TorchSharp dispose scopes are
/// per thread). Results leave as managed arrays.
/// </summary>
public sealed class SsdDetector : IDisposable
{
    private readonly DetectionPostProcessor _postProcessor;
    private float[] _locs = [];
    private float[] _confs = [];

    /// <param name="network">Owned by the detector from now on.</param>
    public SsdDetector(INetworkRunner network, ModelDescription description, PostProcessOptions options)
    {
        Network = network;
        Description = description;
        _postProcessor = new DetectionPostProcessor(new Boxes.DefaultBoxes(description.Architecture.BoxConfig), options);
        Preprocessor = new ImagePreprocessor(description.Architecture.InputSize);
    }

    /// <summary>A detector on TorchSharp. <paramref name="model"/> is moved to the device and set to eval mode.</summary>
    /// <param name="ownsModel">Whether disposing the detector disposes the model.</param>
    public SsdDetector(SsdModel model, ComputeDevice device, PostProcessOptions options, bool ownsModel = true)
        : this(new TorchNetworkRunner(model, device, ownsModel), ModelDescription.Of(model), options)
    {
    }

    public INetworkRunner Network { get; }

    public ModelDescription Description { get; }

    public ImagePreprocessor Preprocessor { get; }

    public PostProcessOptions Options => _postProcessor.Options;

    /// <summary>The label of a class id (1-based); "background" for 0.</summary>
    public string Label(int classId) => Description.Label(classId);

    /// <summary>Time of the last call's network (including host/device copies) and of its post-processing.</summary>
    public (TimeSpan Forward, TimeSpan PostProcess) LastTimings { get; private set; }

    /// <summary>
    /// Detects objects in <paramref name="count"/> images. <paramref name="inputs"/>: <c>[count, 3, S, S]</c>
    /// normalised RGB as <see cref="ImagePreprocessor"/> writes it. Returns per image the detections, best
    /// first, boxes (x1, y1, x2, y2) in 0..1 of the image.
    /// </summary>
    public Detection[][] Detect(ReadOnlySpan<float> inputs, int count)
    {
        var sw = Stopwatch.StartNew();
        RunNetwork(inputs, count);
        var forward = sw.Elapsed;
        sw.Restart();
        var result = PostProcess(count);
        LastTimings = (forward, sw.Elapsed);
        return result;
    }

    /// <summary>
    /// Post-processes the outputs of the last <see cref="RunNetwork"/> call (its first <paramref name="count"/>
    /// images) again: <see cref="Detect"/>'s second half, on its own for measuring it.
    /// </summary>
    public Detection[][] PostProcess(int count)
    {
        int boxes = _postProcessor.BoxCount;
        return _postProcessor.Process(_locs.AsSpan(0, count * 4 * boxes), _confs.AsSpan(0, count * Description.NumClasses * boxes), count);
    }

    /// <summary>The network alone on <paramref name="count"/> images (<see cref="Detect"/> without post-processing).</summary>
    public void RunNetwork(ReadOnlySpan<float> inputs, int count)
    {
        int length = Preprocessor.ImageLength;
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one image");
        if (inputs.Length < count * length) throw new ArgumentException($"inputs hold {inputs.Length} floats; {count} images need {count * length}", nameof(inputs));
        int boxes = _postProcessor.BoxCount;
        if (_locs.Length < count * 4 * boxes) _locs = new float[count * 4 * boxes];
        if (_confs.Length < count * Description.NumClasses * boxes) _confs = new float[count * Description.NumClasses * boxes];
        Network.Run(inputs[..(count * length)], count, _locs.AsSpan(0, count * 4 * boxes), _confs.AsSpan(0, count * Description.NumClasses * boxes));
    }

    public void Dispose() => Network.Dispose();
}
