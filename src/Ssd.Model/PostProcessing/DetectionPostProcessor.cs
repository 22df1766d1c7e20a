using Ssd.Model.Boxes;
using static TorchSharp.torch;

namespace Ssd.Model.PostProcessing;

/// <summary>
/// Turns raw SSD outputs into detections: softmax over classes, box decoding, then per class (except
/// background) score threshold, top-k and greedy NMS, and finally the overall best N. The per-class
/// work runs over managed arrays (torchvision's NMS in TorchSharp loops per box in managed code and is
/// far slower; see docs/native.md).
/// </summary>
public sealed class DetectionPostProcessor
{
    private readonly BoxCoder _coder;

    public DetectionPostProcessor(DefaultBoxes boxes, PostProcessOptions options)
    {
        options.Validate();
        _coder = new BoxCoder(boxes);
        Options = options;
    }

    public PostProcessOptions Options { get; }

    /// <summary>
    /// Post-processes a batch. <paramref name="locs"/>: <c>[N, 4, B]</c> offsets; <paramref name="confs"/>:
    /// <c>[N, C, B]</c> logits; any device and floating type. Returns per image the detections, best
    /// first, boxes (x1, y1, x2, y2) in 0..1 of the network input (not clamped).
    /// </summary>
    public Detection[][] Process(Tensor locs, Tensor confs)
    {
        int b = _coder.DefaultBoxes.Count;
        if (locs.dim() != 3 || locs.shape[1] != 4 || locs.shape[2] != b)
            throw new ArgumentException($"locs must be [N, 4, {b}], got [{string.Join(", ", locs.shape)}]", nameof(locs));
        if (confs.dim() != 3 || confs.shape[0] != locs.shape[0] || confs.shape[2] != b)
            throw new ArgumentException($"confs must be [N, C, {b}], got [{string.Join(", ", confs.shape)}]", nameof(confs));
        int n = (int)locs.shape[0];
        int c = (int)confs.shape[1];
        float[] locData, probData;
        using (NewDisposeScope())
        {
            locData = locs.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            probData = nn.functional.softmax(confs.to(ScalarType.Float32), 1).cpu().contiguous().data<float>().ToArray();
        }
        var result = new Detection[n][];
        var xyxy = new float[4 * b];
        for (int i = 0; i < n; i++)
        {
            _coder.Decode(locData.AsSpan(i * 4 * b, 4 * b), xyxy);
            result[i] = Select(xyxy, probData.AsSpan(i * c * b, c * b), c, Options);
        }
        return result;
    }

    /// <summary>
    /// The per-class selection for one image. <paramref name="xyxy"/>: <c>[B, 4]</c> decoded corner boxes;
    /// <paramref name="probs"/>: <c>[C, B]</c> class probabilities (class 0 is background and skipped).
    /// Returns at most <see cref="PostProcessOptions.MaxDetections"/> detections, best first; ties keep the
    /// lower class, then the lower box index, first.
    /// </summary>
    public static Detection[] Select(ReadOnlySpan<float> xyxy, ReadOnlySpan<float> probs, int classes, PostProcessOptions options)
    {
        int b = xyxy.Length / 4;
        if (probs.Length != classes * b) throw new ArgumentException($"probs has {probs.Length} values; expected {classes} x {b}.", nameof(probs));
        var kept = new List<Detection>();
        var heap = new PriorityQueue<int, (float Score, int Index)>(options.TopKPerClass + 1, WorstFirst.Instance);
        var order = new int[options.TopKPerClass];
        var keptOfClass = new List<int>();
        for (int cls = 1; cls < classes; cls++)
        {
            var scores = probs.Slice(cls * b, b);
            int take = TopCandidates(scores, options.ScoreThreshold, options.TopKPerClass, heap, order);

            keptOfClass.Clear();
            for (int k = 0; k < take; k++)
            {
                int box = order[k];
                bool suppressed = false;
                foreach (int other in keptOfClass)
                {
                    if (Iou.Of(xyxy, box, other) >= options.NmsThreshold) { suppressed = true; break; }
                }
                if (suppressed) continue;
                keptOfClass.Add(box);
                kept.Add(new Detection(cls, scores[box], xyxy[4 * box], xyxy[4 * box + 1], xyxy[4 * box + 2], xyxy[4 * box + 3]));
            }
        }
        // OrderByDescending is stable: equal scores keep class order, then score order within a class.
        return kept.OrderByDescending(d => d.Score).Take(options.MaxDetections).ToArray();
    }

    /// <summary>
    /// Puts into <paramref name="order"/> the indices of the at most <paramref name="k"/> best scores above
    /// <paramref name="threshold"/>, best first (equal scores: lower index first); returns how many.
    /// </summary>
    private static int TopCandidates(ReadOnlySpan<float> scores, float threshold, int k,
        PriorityQueue<int, (float Score, int Index)> heap, int[] order)
    {
        heap.Clear();
        for (int i = 0; i < scores.Length; i++)
        {
            float s = scores[i];
            if (!(s > threshold)) continue;
            if (heap.Count < k) heap.Enqueue(i, (s, i));
            else if (WorstFirst.Instance.Compare((s, i), PeekPriority(heap)) > 0) heap.EnqueueDequeue(i, (s, i));
        }
        int count = heap.Count;
        for (int r = count - 1; r >= 0; r--) order[r] = heap.Dequeue();
        return count;
    }

    private static (float Score, int Index) PeekPriority(PriorityQueue<int, (float Score, int Index)> heap)
    {
        heap.TryPeek(out _, out var priority);
        return priority;
    }

    /// <summary>Orders candidates worst first: lower score, or for equal scores the higher index.</summary>
    private sealed class WorstFirst : IComparer<(float Score, int Index)>
    {
        public static readonly WorstFirst Instance = new();
        public int Compare((float Score, int Index) x, (float Score, int Index) y)
        {
            int c = x.Score.CompareTo(y.Score);
            return c != 0 ? c : y.Index.CompareTo(x.Index);
        }
    }
}
