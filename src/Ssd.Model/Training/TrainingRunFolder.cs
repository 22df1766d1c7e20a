namespace Ssd.Model.Training;

/// <summary>
/// What a training run writes into its output folder (<see cref="SsdTrainer"/>), so that a new run can
/// tell whether the folder holds another one, and replace it on request.
/// </summary>
public static class TrainingRunFolder
{
    /// <summary>The TensorBoard event folder inside the output folder.</summary>
    public const string LogsName = "logs";

    /// <summary>Every file and folder a run writes, by name.</summary>
    public static IReadOnlyList<string> Outputs { get; } =
        [SsdTrainer.LastCheckpointName, SsdTrainer.BestModelName, SsdTrainer.FinalModelName, LogsName];

    /// <summary>The outputs of an earlier run present in <paramref name="directory"/> (empty when none, or the folder is missing).</summary>
    public static IReadOnlyList<string> ExistingOutputs(string directory) =>
        Outputs.Where(name => File.Exists(Path.Combine(directory, name)) || Directory.Exists(Path.Combine(directory, name))).ToList();

    /// <summary>Deletes an earlier run's outputs from <paramref name="directory"/>; other files stay.</summary>
    public static void Clear(string directory)
    {
        foreach (var name in ExistingOutputs(directory))
        {
            var path = Path.Combine(directory, name);
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
    }
}
