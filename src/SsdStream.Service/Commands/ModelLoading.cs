using Ssd.Model.Checkpoints;
using Ssd.Model.Networks;

namespace SsdStream.Service.Commands;

/// <summary>Loads the model a command names, or builds one with random weights for speed measurements.</summary>
internal static class ModelLoading
{
    public static SsdModel LoadOrCreate(FileInfo? model, string? arch)
    {
        if (model != null) return ModelFile.Load(model.FullName);
        if (arch != null) return SsdModel.Create(SsdArchitecture.Parse(arch), ClassNames.Coco);
        throw new ArgumentException("give --model <file> (or --arch <arch> for random weights)");
    }
}
