using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>Builds the SSD300 with ResNet-50 of NVIDIA's DeepLearningExamples (docs/model.md).</summary>
internal static class Ssd300ResNet50
{
    private static readonly int[] MapChannels = [1024, 512, 512, 256, 256, 256];
    private static readonly int[] MidChannels = [256, 256, 128, 128, 128];

    public static SsdNetwork Create(int numClasses, IReadOnlyList<int> boxesPerCell)
    {
        var extras = new List<Module<Tensor, Tensor>>();
        for (int i = 0; i < MidChannels.Length; i++)
        {
            int input = MapChannels[i], mid = MidChannels[i], output = MapChannels[i + 1];
            bool strided = i < 3;
            extras.Add(Sequential(
                ("0", Conv2d(input, mid, 1, bias: false)),
                ("1", BatchNorm2d(mid)),
                ("2", ReLU(inplace: true)),
                ("3", Conv2d(mid, output, 3, stride: strided ? 2 : 1, padding: strided ? 1 : 0, bias: false)),
                ("4", BatchNorm2d(output)),
                ("5", ReLU(inplace: true))));
        }
        var locs = MapChannels.Select((ch, i) => (Module<Tensor, Tensor>)Conv2d(ch, boxesPerCell[i] * 4, 3, padding: 1));
        var confs = MapChannels.Select((ch, i) => (Module<Tensor, Tensor>)Conv2d(ch, boxesPerCell[i] * numClasses, 3, padding: 1));
        var net = new SsdNetwork(new ResNet50Backbone(), extras, locs, confs, numClasses);
        net.InitialiseHeadsAndExtras();
        return net;
    }
}
