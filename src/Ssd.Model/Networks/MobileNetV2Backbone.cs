using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>
/// The SSDLite backbone: torchvision MobileNetV2 <c>features</c>, held as <c>feature_extractor.&lt;i&gt;</c> as
/// SSD-pytorch names it (so its keys read <c>feature_extractor.feature_extractor.&lt;i&gt;</c> in the detector).
/// <c>x: [N, 3, 300, 300]</c> to two maps: block 14's expansion output <c>[N, 576, 19, 19]</c> and the
/// last features output <c>[N, 1280, 10, 10]</c>.
/// </summary>
internal sealed class MobileNetV2Backbone : Module<Tensor, Tensor[]>, Onnx.IOnnxBackbone
{
    /// <summary>Index of the block whose expansion output is the first map.</summary>
    private const int SplitBlock = 14;

    // (expansion t, channels c, repeats n, first stride s) of MobileNetV2.
    private static readonly (int T, int C, int N, int S)[] Settings =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

#pragma warning disable IDE1006 // field names are the state-dict keys
    private readonly Sequential feature_extractor;
#pragma warning restore IDE1006
    private readonly Module<Tensor, Tensor>[] _blocks;

    public MobileNetV2Backbone() : base(nameof(MobileNetV2Backbone))
    {
        var layers = new List<(string, Module<Tensor, Tensor>)> { ("0", MobileNetV2Blocks.ConvBnRelu6(3, 32, 3, 2)) };
        long input = 32;
        foreach (var (t, c, n, s) in Settings)
        {
            for (int i = 0; i < n; i++)
            {
                layers.Add((Name(layers.Count), new InvertedResidual(input, c, i == 0 ? s : 1, t)));
                input = c;
            }
        }
        layers.Add((Name(layers.Count), MobileNetV2Blocks.ConvBnRelu6(input, 1280, 1)));
        _blocks = layers.Select(l => l.Item2).ToArray();
        feature_extractor = Sequential(layers);
        RegisterComponents();
    }

    /// <summary>Channels of each map this backbone returns.</summary>
    public static IReadOnlyList<int> OutChannels { get; } = [576, 1280];

    private static string Name(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override Tensor[] forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = x;
        for (int i = 0; i < SplitBlock; i++) y = _blocks[i].forward(y);
        var split = (InvertedResidual)_blocks[SplitBlock];
        var map1 = split.Expand(y);
        y = split.ProjectExpanded(map1);
        for (int i = SplitBlock + 1; i < _blocks.Length; i++) y = _blocks[i].forward(y);
        return [map1.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope()];
    }

    /// <summary><see cref="forward"/> as ONNX nodes.</summary>
    public string[] ExportMaps(Onnx.OnnxGraph graph, string input, string name)
    {
        string Block(int i) => $"{name}.{nameof(feature_extractor)}.{Name(i)}";
        var y = input;
        for (int i = 0; i < SplitBlock; i++) y = Onnx.OnnxModules.Export(graph, _blocks[i], y, Block(i));
        var split = (InvertedResidual)_blocks[SplitBlock];
        var map1 = split.ExportExpand(graph, y, Block(SplitBlock));
        y = split.ExportProjectExpanded(graph, map1, Block(SplitBlock));
        for (int i = SplitBlock + 1; i < _blocks.Length; i++) y = Onnx.OnnxModules.Export(graph, _blocks[i], y, Block(i));
        return [map1, y];
    }
}
