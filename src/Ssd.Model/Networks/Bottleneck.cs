using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>
/// ResNet-50 bottleneck block as torchvision builds it (stride on the 3x3 conv), with its module names
/// (<c>conv1, bn1, conv2, bn2, conv3, bn3, downsample.0, downsample.1</c>) so state dicts load by name.
/// <c>x: [N, inChannels, H, W]</c> to <c>[N, planes * 4, H / stride, W / stride]</c>.
/// </summary>
internal sealed class Bottleneck : Module<Tensor, Tensor>, Onnx.IOnnxExportable
{
    public const int Expansion = 4;

#pragma warning disable IDE1006 // field names are the state-dict keys
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Sequential? downsample;
#pragma warning restore IDE1006

    public Bottleneck(long inChannels, long planes, long stride) : base(nameof(Bottleneck))
    {
        conv1 = Conv2d(inChannels, planes, 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        conv3 = Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = BatchNorm2d(planes * Expansion);
        relu = ReLU(inplace: true);
        if (stride != 1 || inChannels != planes * Expansion)
        {
            downsample = Sequential(
                ("0", Conv2d(inChannels, planes * Expansion, 1, stride: stride, bias: false)),
                ("1", BatchNorm2d(planes * Expansion)));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = downsample is null ? x : downsample.forward(x);
        var y = relu.forward(bn1.forward(conv1.forward(x)));
        y = relu.forward(bn2.forward(conv2.forward(y)));
        y = bn3.forward(conv3.forward(y));
        return relu.forward(y.add_(identity)).MoveToOuterDisposeScope();
    }

    /// <summary>The same computation as <see cref="forward"/> as ONNX nodes.</summary>
    public string Export(Onnx.OnnxGraph graph, string input, string name)
    {
        string Layer(Module module, string x, string child) => Onnx.OnnxModules.Export(graph, module, x, $"{name}.{child}");
        var identity = downsample is null ? input : Layer(downsample, input, nameof(downsample));
        var y = Layer(relu, Layer(bn1, Layer(conv1, input, nameof(conv1)), nameof(bn1)), nameof(relu));
        y = Layer(relu, Layer(bn2, Layer(conv2, y, nameof(conv2)), nameof(bn2)), nameof(relu));
        y = Layer(bn3, Layer(conv3, y, nameof(conv3)), nameof(bn3));
        return graph.Node("Relu", [graph.Node("Add", [y, identity])]);
    }
}
