using Ssd.Model.Networks;
using static TorchSharp.torch;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// Copies a state dict into a network by exact key match. A missing key, an unexpected key or a shape
/// mismatch is a <see cref="CheckpointException"/> that names the key; with
/// <c>reinitialiseClassHeads</c>, class-head keys (<c>conf.*</c>) whose shapes differ are skipped and
/// keep the network's fresh initialisation instead, which is how a checkpoint is fine-tuned to other classes.
/// </summary>
public static class StateDictLoader
{
    /// <summary>
    /// Loads <paramref name="state"/> into <paramref name="network"/>. <paramref name="source"/> names the
    /// file in messages. Returns the keys that were skipped (class heads only).
    /// </summary>
    public static IReadOnlyList<string> Load(SsdNetwork network, IReadOnlyDictionary<string, Tensor> state, string source, bool reinitialiseClassHeads = false)
    {
        var target = network.state_dict();
        var missing = target.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new CheckpointException($"{source}: missing key '{missing[0]}'{More(missing)} (is --arch right for this checkpoint?)");
        if (unexpected.Count > 0)
            throw new CheckpointException($"{source}: unexpected key '{unexpected[0]}'{More(unexpected)} (is --arch right for this checkpoint?)");

        var skipped = new List<string>();
        foreach (var (key, dest) in target)
        {
            var src = state[key];
            if (!src.shape.SequenceEqual(dest.shape))
            {
                if (reinitialiseClassHeads && SsdNetwork.IsClassHeadKey(key))
                {
                    skipped.Add(key);
                    continue;
                }
                throw new CheckpointException($"{source}: key '{key}' has shape [{string.Join(", ", src.shape)}], the {network.NumClasses}-class network expects [{string.Join(", ", dest.shape)}]");
            }
        }
        using (no_grad())
        {
            foreach (var (key, dest) in target)
            {
                if (skipped.Contains(key)) continue;
                using var converted = state[key].to(dest.dtype, dest.device);
                dest.copy_(converted);
            }
        }
        return skipped;
    }

    private static string More(List<string> keys) => keys.Count > 1 ? $" and {keys.Count - 1} more" : "";
}
