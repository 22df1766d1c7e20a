using Ssd.Model.Networks;
using Ssd.Model.Onnx;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// What is needed to read a network's outputs, without its weights: the architecture (default boxes, input
/// size) and the class names (class id i is <c>ClassNames[i - 1]</c>; 0 is background).
/// </summary>
public sealed record ModelDescription(SsdArchitecture Architecture, IReadOnlyList<string> ClassNames)
{
    /// <summary>Classes including background.</summary>
    public int NumClasses => ClassNames.Count + 1;

    /// <summary>The label of a class id (1-based); "background" for 0.</summary>
    public string Label(int classId) => classId == 0 ? "background" : ClassNames[classId - 1];

    public static ModelDescription Of(SsdModel model) => new(model.Architecture, model.ClassNames);

    /// <summary>
    /// The description of a model file (<c>.ssdm</c> or a training checkpoint, from its header) or of an exported
    /// <c>.onnx</c> (from its metadata), without loading weights. Throws <see cref="CheckpointException"/> naming the file.
    /// </summary>
    public static ModelDescription Read(string path)
    {
        if (OnnxModelInfo.IsOnnx(path)) return OnnxModelInfo.Read(path);
        var (architecture, names) = ModelFile.ReadDescription(path);
        return new ModelDescription(architecture, names);
    }
}
