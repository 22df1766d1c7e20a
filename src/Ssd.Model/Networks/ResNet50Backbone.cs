using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>
/// The SSD300 backbone of the reference: torchvision ResNet-50 children 0..6 (conv1, bn1, relu, maxpool,
/// layer1, layer2, layer3) with layer3's first block at stride 1, held as <c>feature_extractor.&lt;i&gt;</c>.
/// <c>x: [N, 3, 300, 300]</c> to one map <c>[N, 1024, 38, 38]</c>.
/// </summary>
internal sealed class ResNet50Backbone : Module<Tensor, Tensor[]>, Onnx.IOnnxBackbone
{
#pragma warning disable IDE1006 // field names are the state-dict keys
    private readonly Sequential feature_extractor;
#pragma warning restore IDE1006

    public ResNet50Backbone() : base(nameof(ResNet50Backbone))
    {
        feature_extractor = Sequential(
            ("0", Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false)),
            ("1", BatchNorm2d(64)),
            ("2", ReLU(inplace: true)),
            ("3", MaxPool2d(3, stride: 2, padding: 1)),
            ("4", Layer(64, 64, blocks: 3, stride: 1)),
            ("5", Layer(256, 128, blocks: 4, stride: 2)),
            // layer3 with its first block's strides set to 1, so the map stays 38x38.
            ("6", Layer(512, 256, blocks: 6, stride: 1)));
        RegisterComponents();
    }

    /// <summary>Channels of each map this backbone returns.</summary>
    public static IReadOnlyList<int> OutChannels { get; } = [1024];

    private static Sequential Layer(long inChannels, long planes, int blocks, long stride)
    {
        var layers = new List<(string, Module<Tensor, Tensor>)> { ("0", new Bottleneck(inChannels, planes, stride)) };
        for (int b = 1; b < blocks; b++)
        {
            layers.Add((b.ToString(System.Globalization.CultureInfo.InvariantCulture), new Bottleneck(planes * Bottleneck.Expansion, planes, 1)));
        }
        return Sequential(layers);
    }

    public override Tensor[] forward(Tensor x) => [feature_extractor.forward(x)];

    /// <summary><see cref="forward"/> as ONNX nodes.</summary>
    public string[] ExportMaps(Onnx.OnnxGraph graph, string input, string name) =>
        [Onnx.OnnxModules.Export(graph, feature_extractor, input, $"{name}.{nameof(feature_extractor)}")];
}
