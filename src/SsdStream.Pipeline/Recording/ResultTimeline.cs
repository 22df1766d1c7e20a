using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Recording;

/// <summary>
/// A camera's results in sequence order, to pair each recorded frame with the newest result at or
/// before it: frames inference skipped carry the last result, and never one from the future. A frame is
/// ready once a result at or after its sequence has arrived (no earlier result can come any more).
/// </summary>
public sealed class ResultTimeline
{
    private readonly List<FrameResult> _results = [];

    public long NewestSequence => _results.Count == 0 ? 0 : _results[^1].Sequence;

    public void Add(FrameResult result)
    {
        if (_results.Count > 0 && result.Sequence <= _results[^1].Sequence) return;
        _results.Add(result);
    }

    /// <summary>Whether every result up to <paramref name="sequence"/> is known.</summary>
    public bool IsSettled(long sequence) => NewestSequence >= sequence;

    /// <summary>The newest result with a sequence at or before <paramref name="sequence"/>, or null.</summary>
    public FrameResult? At(long sequence)
    {
        for (int i = _results.Count - 1; i >= 0; i--)
        {
            if (_results[i].Sequence <= sequence) return _results[i];
        }
        return null;
    }

    /// <summary>The detections to draw on frame <paramref name="sequence"/>.</summary>
    public IReadOnlyList<PixelDetection> DetectionsFor(long sequence) => At(sequence)?.Detections ?? [];

    /// <summary>Forgets results no longer needed for frames from <paramref name="sequence"/> on (keeps the one at or before it).</summary>
    public void Prune(long sequence)
    {
        int keepFrom = _results.FindLastIndex(r => r.Sequence <= sequence);
        if (keepFrom > 0) _results.RemoveRange(0, keepFrom);
    }
}
