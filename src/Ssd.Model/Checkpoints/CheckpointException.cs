namespace Ssd.Model.Checkpoints;

/// <summary>A model or checkpoint file that cannot be used; the message names the file and, where it applies, the key.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }

    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}
