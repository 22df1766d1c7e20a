namespace Ssd.Model.Data;

/// <summary>
/// A dataset that cannot be read as it stands. The message names the annotation file and, where it applies,
/// the image and the annotation (id and index) at fault.
/// </summary>
public sealed class DatasetException : Exception
{
    public DatasetException(string message) : base(message) { }

    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
