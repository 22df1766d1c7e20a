using Ssd.Model.Boxes;

namespace Ssd.Model.Networks;

/// <summary>
/// A named SSD variant: its default boxes and how to build its network. Use <see cref="Parse"/> with the
/// names the command line and model files use (<c>ssd300-resnet50</c>, <c>ssdlite-mobilenetv2</c>).
/// </summary>
public sealed class SsdArchitecture
{
    private readonly Func<int, IReadOnlyList<int>, SsdNetwork> _create;

    private SsdArchitecture(string name, DefaultBoxConfig boxes, int[] mapChannels, string classHeadOutputBias, Func<int, IReadOnlyList<int>, SsdNetwork> create)
    {
        Name = name;
        ClassHeadOutputBias = classHeadOutputBias;
        BoxConfig = boxes;
        MapChannels = mapChannels;
        _create = create;
    }

    public static SsdArchitecture Ssd300ResNet50 { get; } =
        new("ssd300-resnet50", DefaultBoxConfig.Ssd300, [1024, 512, 512, 256, 256, 256], "conf.0.bias", Networks.Ssd300ResNet50.Create);

    public static SsdArchitecture SsdLiteMobileNetV2 { get; } =
        new("ssdlite-mobilenetv2", DefaultBoxConfig.SsdLite300, [576, 1280, 512, 256, 256, 64], "conf.0.3.bias", Networks.SsdLiteMobileNetV2.Create);

    public static IReadOnlyList<SsdArchitecture> All { get; } = [Ssd300ResNet50, SsdLiteMobileNetV2];

    public string Name { get; }

    public DefaultBoxConfig BoxConfig { get; }

    /// <summary>Channels of each feature map the heads read.</summary>
    public IReadOnlyList<int> MapChannels { get; }

    /// <summary>State-dict key of the first class head's output bias: boxes per cell x classes values.</summary>
    public string ClassHeadOutputBias { get; }

    /// <summary>Input side in pixels.</summary>
    public int InputSize => BoxConfig.FigureSize;

    /// <summary>A new network with freshly initialised weights; <paramref name="numClasses"/> includes background.</summary>
    public SsdNetwork CreateNetwork(int numClasses)
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "an SSD needs background plus at least one class");
        return _create(numClasses, BoxConfig.BoxesPerCell);
    }

    /// <summary>The architecture of that name; the error lists the known names.</summary>
    public static SsdArchitecture Parse(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown architecture '{name}'; known: {string.Join(", ", All.Select(a => a.Name))}", nameof(name));

    public override string ToString() => Name;
}
