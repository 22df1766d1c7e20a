using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>MobileNetV2 building blocks with torchvision's module names.</summary>
internal static class MobileNetV2Blocks
{
    /// <summary>Conv, BN, ReLU6 as one Sequential (<c>0, 1, 2</c>), like torchvision's Conv2dNormActivation.</summary>
    public static Sequential ConvBnRelu6(long input, long output, long kernel, long stride = 1, long groups = 1) =>
        Sequential(
            ("0", Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false)),
            ("1", BatchNorm2d(output)),
            ("2", ReLU6(inplace: true)));
}

/// <summary>
/// MobileNetV2 inverted residual: optional 1x1 expansion, 3x3 depthwise, linear 1x1 projection, with a
/// residual when stride is 1 and channels match. Submodules under <c>conv.&lt;i&gt;</c> as torchvision names them.
/// <c>x: [N, input, H, W]</c> to <c>[N, output, H / stride, W / stride]</c>.
/// </summary>
internal sealed class InvertedResidual : Module<Tensor, Tensor>, Onnx.IOnnxExportable
{
#pragma warning disable IDE1006 // field names are the state-dict keys
    private readonly Sequential conv;
#pragma warning restore IDE1006
    private readonly bool _residual;

    public InvertedResidual(long input, long output, long stride, double expandRatio) : base(nameof(InvertedResidual))
    {
        long hidden = (long)Math.Round(input * expandRatio, MidpointRounding.ToEven);
        _residual = stride == 1 && input == output;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        if (expandRatio != 1) layers.Add(("0", MobileNetV2Blocks.ConvBnRelu6(input, hidden, 1)));
        layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), MobileNetV2Blocks.ConvBnRelu6(hidden, hidden, 3, stride, groups: hidden)));
        layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Conv2d(hidden, output, 1, bias: false)));
        layers.Add((layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), BatchNorm2d(output)));
        conv = Sequential(layers);
        HasExpansion = expandRatio != 1;
        RegisterComponents();
    }

    /// <summary>Whether <c>conv.0</c> is the 1x1 expansion.</summary>
    public bool HasExpansion { get; }

    /// <summary>The expansion output (<c>conv.0</c>); only for blocks with an expansion.</summary>
    public Tensor Expand(Tensor x) => ((Module<Tensor, Tensor>)conv[0]).forward(x);

    /// <summary>The rest of the block after <see cref="Expand"/>, without residual (stride-2 blocks only).</summary>
    public Tensor ProjectExpanded(Tensor expanded)
    {
        var y = expanded;
        for (int i = 1; i < conv.Count; i++) y = ((Module<Tensor, Tensor>)conv[i]).forward(y);
        return y;
    }

    public override Tensor forward(Tensor x)
    {
        var y = conv.forward(x);
        return _residual ? x + y : y;
    }

    /// <summary><see cref="forward"/> as ONNX nodes.</summary>
    public string Export(Onnx.OnnxGraph graph, string input, string name)
    {
        var y = Onnx.OnnxModules.Export(graph, conv, input, $"{name}.conv");
        return _residual ? graph.Node("Add", [input, y]) : y;
    }

    /// <summary><see cref="Expand"/> as ONNX nodes.</summary>
    public string ExportExpand(Onnx.OnnxGraph graph, string input, string name) =>
        Onnx.OnnxModules.Export(graph, (Module)conv[0], input, $"{name}.conv.0");

    /// <summary><see cref="ProjectExpanded"/> as ONNX nodes.</summary>
    public string ExportProjectExpanded(Onnx.OnnxGraph graph, string expanded, string name)
    {
        var y = expanded;
        for (int i = 1; i < conv.Count; i++) y = Onnx.OnnxModules.Export(graph, (Module)conv[i], y, $"{name}.conv.{i}");
        return y;
    }
}
