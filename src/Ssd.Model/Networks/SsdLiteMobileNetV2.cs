using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>Builds the SSDLite with MobileNetV2 of the SSD-pytorch reference (docs/model.md).</summary>
internal static class SsdLiteMobileNetV2
{
    private static readonly int[] MapChannels = [576, 1280, 512, 256, 256, 64];
    private static readonly (int Input, int Output, double Expand)[] Extras =
        [(1280, 512, 0.2), (512, 256, 0.25), (256, 256, 0.5), (256, 64, 0.25)];

    public static SsdNetwork Create(int numClasses, IReadOnlyList<int> boxesPerCell)
    {
        var extras = Extras.Select(e => (Module<Tensor, Tensor>)new InvertedResidual(e.Input, e.Output, 2, e.Expand));
        var locs = Heads(boxesPerCell, 4);
        var confs = Heads(boxesPerCell, numClasses);
        var net = new SsdNetwork(new MobileNetV2Backbone(), extras, locs, confs, numClasses);
        net.InitialiseHeadsAndExtras();
        return net;
    }

    /// <summary>
    /// The heads as SSD-pytorch builds them, so its checkpoints load by name: one separable conv
    /// (3x3 depthwise with bias, BN, ReLU6, 1x1 pointwise) per map, six in all, and a seventh plain 1x1
    /// conv on the last map's 64 channels. The forward pass pairs the six maps with the first six heads
    /// only; the seventh is kept because published checkpoints hold its weights, although the reference
    /// never runs it (docs/model.md, SSDLite heads).
    /// </summary>
    private static List<Module<Tensor, Tensor>> Heads(IReadOnlyList<int> boxesPerCell, int valuesPerBox)
    {
        var heads = MapChannels.Select((ch, i) => (Module<Tensor, Tensor>)Sequential(
            ("0", Conv2d(ch, ch, 3, padding: 1, groups: ch)),
            ("1", BatchNorm2d(ch)),
            ("2", ReLU6()),
            ("3", Conv2d(ch, boxesPerCell[i] * valuesPerBox, 1)))).ToList();
        heads.Add(Conv2d(MapChannels[^1], boxesPerCell[^1] * valuesPerBox, 1));
        return heads;
    }
}
