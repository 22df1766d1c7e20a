namespace Ssd.Model.Data;

/// <summary>
/// What a reader does with a bad image or annotation: throws a <see cref="DatasetException"/> with the
/// message, or, when skipping bad input, counts it and keeps the message.
/// </summary>
internal sealed class BadAnnotationPolicy(bool skipBad)
{
    private readonly List<string> _reasons = [];

    public int SkippedAnnotations { get; private set; }

    public int SkippedImages { get; private set; }

    public IReadOnlyList<string> Reasons => _reasons;

    /// <summary>One bad annotation: throws, or counts it as skipped.</summary>
    public void SkipAnnotation(string message)
    {
        if (!skipBad) throw new DatasetException(message);
        SkippedAnnotations++;
        _reasons.Add(message);
    }

    /// <summary>A bad image: throws, or counts the image and its <paramref name="annotations"/> as skipped.</summary>
    public void SkipImage(string message, int annotations)
    {
        if (!skipBad) throw new DatasetException(message);
        SkippedImages++;
        SkippedAnnotations += annotations;
        _reasons.Add(message);
    }
}
