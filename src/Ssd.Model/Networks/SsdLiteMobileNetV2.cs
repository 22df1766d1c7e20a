using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>Builds the SSDLite with MobileNetV2 of the SSD-pytorch reference (SPEC.md).</summary>
internal static class SsdLiteMobileNetV2
{
    private static readonly int[] MapChannels = [576, 1280, 512, 256, 256, 64];
    private static readonly (int Input, int Output, double Expand)[] Extras =
        [(1280, 512, 0.2), (512, 256, 0.25), (256, 256, 0.5), (256, 64, 0.25)];

    public static SsdNetwork Create(int numClasses, IReadOnlyList<int> boxesPerCell)
    {
        var extras = Extras.Select(e => (Module<Tensor, Tensor>)new InvertedResidual(e.Input, e.Output, 2, e.Expand));
        var locs = MapChannels.Select((ch, i) => Head(ch, boxesPerCell[i] * 4, i == MapChannels.Length - 1)).ToArray();
        var confs = MapChannels.Select((ch, i) => Head(ch, boxesPerCell[i] * numClasses, i == MapChannels.Length - 1)).ToArray();
        var net = new SsdNetwork(new MobileNetV2Backbone(), extras, locs, confs, numClasses);
        net.InitialiseHeadsAndExtras();
        return net;
    }

    /// <summary>Separable conv head (3x3 depthwise, BN, ReLU6, 1x1 pointwise); the last map gets a plain 1x1 conv.</summary>
    private static Module<Tensor, Tensor> Head(int input, int output, bool last) =>
        last
            ? Conv2d(input, output, 1)
            : Sequential(
                ("0", Conv2d(input, input, 3, padding: 1, groups: input)),
                ("1", BatchNorm2d(input)),
                ("2", ReLU6(inplace: true)),
                ("3", Conv2d(input, output, 1)));
}
