using Ssd.Model.Boxes;
using Ssd.Model.Networks;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// A network together with what is needed to interpret it: its architecture (and so its default boxes
/// and input size) and its class names (class id i is <c>ClassNames[i - 1]</c>; 0 is background).
/// </summary>
public sealed class SsdModel : IDisposable
{
    public SsdModel(SsdArchitecture architecture, IReadOnlyList<string> classNames, SsdNetwork network)
    {
        if (network.NumClasses != classNames.Count + 1)
            throw new ArgumentException($"network has {network.NumClasses} classes including background, but {classNames.Count} class names were given", nameof(classNames));
        Architecture = architecture;
        ClassNames = classNames;
        Network = network;
        DefaultBoxes = new DefaultBoxes(architecture.BoxConfig);
    }

    /// <summary>A new model with freshly initialised weights.</summary>
    public static SsdModel Create(SsdArchitecture architecture, IReadOnlyList<string> classNames) =>
        new(architecture, classNames, architecture.CreateNetwork(classNames.Count + 1));

    public SsdArchitecture Architecture { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public SsdNetwork Network { get; }

    public DefaultBoxes DefaultBoxes { get; }

    /// <summary>Classes including background.</summary>
    public int NumClasses => ClassNames.Count + 1;

    /// <summary>The label of a class id (1-based); "background" for 0.</summary>
    public string Label(int classId) => classId == 0 ? "background" : ClassNames[classId - 1];

    public void Dispose() => Network.Dispose();
}
