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

    /// <summary>Default boxes B per image.</summary>
    public int BoxCount => _coder.DefaultBoxes.Count;

    /// <summary>
    /// Post-processes a batch. <paramref name="locs"/>: <c>[N, 4, B]</c> offsets; <paramref name="confs"/>:
    /// <c>[N, C, B]</c> logits; any device and floating type. Returns per image the detections, best
    /// first, boxes (x1, y1, x2, y2) in 0..1 of the network input (not clamped).
    /// </summary>
    public Detection[][] Process(Tensor locs, Tensor confs)
    {
        int b = BoxCount;
        if (locs.dim() != 3 || locs.shape[1] != 4 || locs.shape[2] != b)
            throw new ArgumentException($"locs must be [N, 4, {b}], got [{string.Join(", ", locs.shape)}]", nameof(locs));
        if (confs.dim() != 3 || confs.shape[0] != locs.shape[0] || confs.shape[2] != b)
            throw new ArgumentException($"confs must be [N, C, {b}], got [{string.Join(", ", confs.shape)}]", nameof(confs));
        float[] locData, logitData;
        using (NewDisposeScope())
        {
            locData = locs.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            logitData = confs.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        }
        return Process(locData, logitData, (int)locs.shape[0]);
    }

    /// <summary>
    /// Post-processes a batch of <paramref name="count"/> images from managed arrays, as both engines give
    /// them. <paramref name="locs"/>: <c>[N, 4, B]</c> offsets; <paramref name="logits"/>: <c>[N, C, B]</c> class
    /// logits. Returns per image the detections, best first, boxes (x1, y1, x2, y2) in 0..1 of the network
    /// input (not clamped).
    /// </summary>
    public Detection[][] Process(ReadOnlySpan<float> locs, ReadOnlySpan<float> logits, int count)
    {
        int b = BoxCount;
        if (count < 1 || locs.Length != count * 4 * b) throw new ArgumentException($"locs hold {locs.Length} values; {count} images need [{count}, 4, {b}]", nameof(locs));
        if (logits.Length % (count * b) != 0 || logits.Length / (count * b) < 2) throw new ArgumentException($"logits hold {logits.Length} values; expected [{count}, C, {b}]", nameof(logits));
        int c = logits.Length / (count * b);
        if (_xyxy.Length != 4 * b) _xyxy = new float[4 * b];
        if (_probs.Length != c * b) _probs = new float[c * b];
        if (_scratch.Length != 2 * b) _scratch = new float[2 * b];
        var result = new Detection[count][];
        for (int i = 0; i < count; i++)
        {
            _coder.Decode(locs.Slice(i * 4 * b, 4 * b), _xyxy);
            Softmax.OverClasses(logits.Slice(i * c * b, c * b), c, _probs, _scratch);
            result[i] = Select(_xyxy, _probs, c, Options);
        }
        return result;
    }

    // Reused per image: one post-processor serves one thread.
    private float[] _xyxy = [];
    private float[] _probs = [];
    private float[] _scratch = [];

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
        var heap = new PriorityQueue<int, (float Score, int Index)>(options.TopKPerClass + 1, WorstFirst.Instance);
        // Each class's candidates, best first: boxes [class, rank], how many per class.
        var ranked = new int[classes * options.TopKPerClass];
        var counts = new int[classes];
        var next = new PriorityQueue<int, Candidate>(classes, CandidateOrder.Instance);
        for (int cls = 1; cls < classes; cls++)
        {
            var order = ranked.AsSpan(cls * options.TopKPerClass, options.TopKPerClass);
            counts[cls] = TopCandidates(probs.Slice(cls * b, b), options.ScoreThreshold, options.TopKPerClass, heap, order);
            if (counts[cls] > 0) next.Enqueue(cls, new Candidate(probs[cls * b + order[0]], cls, 0, order[0]));
        }
        // Greedy NMS per class, run over every class's candidates at once in the order of the output (score,
        // then class, then rank in the class; the classes' ranked lists merged): a candidate's fate depends only
        // on the kept boxes of its class ranked above it, which come before it in this order too, so the result
        // is the per-class NMS followed by the overall best MaxDetections, and the work stops once those are kept.
        var kept = new List<Detection>(options.MaxDetections);
        var keptOfClass = new Dictionary<int, List<int>>();
        while (kept.Count < options.MaxDetections && next.TryDequeue(out _, out var c))
        {
            if (c.Rank + 1 < counts[c.Class])
            {
                int box = ranked[c.Class * options.TopKPerClass + c.Rank + 1];
                next.Enqueue(c.Class, new Candidate(probs[c.Class * b + box], c.Class, c.Rank + 1, box));
            }
            if (!keptOfClass.TryGetValue(c.Class, out var same)) keptOfClass[c.Class] = same = [];
            bool suppressed = false;
            foreach (int other in same)
            {
                if (Iou.Of(xyxy, c.Box, other) >= options.NmsThreshold) { suppressed = true; break; }
            }
            if (suppressed) continue;
            same.Add(c.Box);
            kept.Add(new Detection(c.Class, c.Score, xyxy[4 * c.Box], xyxy[4 * c.Box + 1], xyxy[4 * c.Box + 2], xyxy[4 * c.Box + 3]));
        }
        return [.. kept];
    }

    /// <summary>A class's candidate box: its score, class, rank among the class's candidates, and box index.</summary>
    private readonly record struct Candidate(float Score, int Class, int Rank, int Box);

    /// <summary>Best score first; equal scores: lower class, then better rank in the class.</summary>
    private sealed class CandidateOrder : IComparer<Candidate>
    {
        public static readonly CandidateOrder Instance = new();

        public int Compare(Candidate x, Candidate y)
        {
            int c = y.Score.CompareTo(x.Score);
            if (c != 0) return c;
            c = x.Class.CompareTo(y.Class);
            return c != 0 ? c : x.Rank.CompareTo(y.Rank);
        }
    }

    /// <summary>
    /// Puts into <paramref name="order"/> the indices of the at most <paramref name="k"/> best scores above
    /// <paramref name="threshold"/>, best first (equal scores: lower index first); returns how many.
    /// </summary>
    private static int TopCandidates(ReadOnlySpan<float> scores, float threshold, int k,
        PriorityQueue<int, (float Score, int Index)> heap, Span<int> order)
    {
        heap.Clear();
        // A score must beat the floor to enter: the threshold, and once k candidates are held, the worst of
        // them too (scanning in index order, a later equal score loses the tie). Most scores of most classes
        // are below it: they are skipped a vector at a time.
        float floor = threshold;
        var bound = System.Runtime.Intrinsics.Vector256.Create(floor);
        int width = System.Runtime.Intrinsics.Vector256<float>.Count;
        for (int i = 0; i < scores.Length; i++)
        {
            if ((i & (width - 1)) == 0 && i + width <= scores.Length
                && !System.Runtime.Intrinsics.Vector256.GreaterThanAny(System.Runtime.Intrinsics.Vector256.Create(scores.Slice(i, width)), bound))
            {
                i += width - 1;
                continue;
            }
            float s = scores[i];
            if (!(s > floor)) continue;
            if (heap.Count < k) heap.Enqueue(i, (s, i));
            else heap.EnqueueDequeue(i, (s, i));
            if (heap.Count == k)
            {
                floor = Math.Max(threshold, PeekPriority(heap).Score);
                bound = System.Runtime.Intrinsics.Vector256.Create(floor);
            }
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
