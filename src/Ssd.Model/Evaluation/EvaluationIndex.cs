namespace Ssd.Model.Evaluation;

/// <summary>
/// The evaluation inputs checked and grouped by (category, image), as pycocotools loads them: image and
/// category ids sorted ascending, detections of unknown categories dropped, each pair's detections sorted
/// by score (stable) and cut to <see cref="CocoEvalParams.MaxDetsPerImage"/>. Pairs with neither ground
/// truth nor detection are absent.
/// </summary>
internal sealed class EvaluationIndex
{
    private readonly ImageCategoryInputs?[][] _pairs;

    private EvaluationIndex(long[] imageIds, int[] categoryIds, ImageCategoryInputs?[][] pairs)
    {
        ImageIds = imageIds;
        CategoryIds = categoryIds;
        _pairs = pairs;
    }

    /// <summary>All image ids, ascending and distinct.</summary>
    public IReadOnlyList<long> ImageIds { get; }

    /// <summary>All category ids, ascending and distinct.</summary>
    public IReadOnlyList<int> CategoryIds { get; }

    /// <summary>The pair of category index <paramref name="category"/> and image index <paramref name="image"/>, or null when it has nothing.</summary>
    public ImageCategoryInputs? Pair(int category, int image) => _pairs[category][image];

    /// <summary>
    /// Checks and groups the inputs. Throws <see cref="ArgumentException"/> for a detection or ground truth
    /// on an image not in <paramref name="imageIds"/>, a ground truth of a category not in
    /// <paramref name="categoryIds"/>, or a detection whose score is NaN. Detections of other categories are
    /// dropped.
    /// </summary>
    public static EvaluationIndex Build(IEnumerable<long> imageIds, IEnumerable<int> categoryIds,
        IEnumerable<EvalGroundTruth> groundTruths, IEnumerable<EvalDetection> detections)
    {
        long[] images = imageIds.Distinct().Order().ToArray();
        int[] categories = categoryIds.Distinct().Order().ToArray();
        var imageIndex = new Dictionary<long, int>(images.Length);
        for (int i = 0; i < images.Length; i++) imageIndex[images[i]] = i;
        var categoryIndex = new Dictionary<int, int>(categories.Length);
        for (int k = 0; k < categories.Length; k++) categoryIndex[categories[k]] = k;

        var gtLists = new Dictionary<(int Category, int Image), List<EvalGroundTruth>>();
        foreach (var gt in groundTruths)
        {
            ArgumentNullException.ThrowIfNull(gt, nameof(groundTruths));
            if (!imageIndex.TryGetValue(gt.ImageId, out int i))
                throw new ArgumentException($"ground truth on image {gt.ImageId}, which is not among the image ids", nameof(groundTruths));
            if (!categoryIndex.TryGetValue(gt.CategoryId, out int k))
                throw new ArgumentException($"ground truth of category {gt.CategoryId}, which is not among the category ids", nameof(groundTruths));
            ListFor(gtLists, (k, i)).Add(gt);
        }

        var detLists = new Dictionary<(int Category, int Image), List<EvalDetection>>();
        foreach (var det in detections)
        {
            ArgumentNullException.ThrowIfNull(det, nameof(detections));
            if (!imageIndex.TryGetValue(det.ImageId, out int i))
                throw new ArgumentException($"detection on image {det.ImageId}, which is not among the image ids", nameof(detections));
            if (double.IsNaN(det.Score))
                throw new ArgumentException($"detection on image {det.ImageId} has a NaN score", nameof(detections));
            if (categoryIndex.TryGetValue(det.CategoryId, out int k)) ListFor(detLists, (k, i)).Add(det);
        }

        var pairs = new ImageCategoryInputs?[categories.Length][];
        for (int k = 0; k < categories.Length; k++) pairs[k] = new ImageCategoryInputs?[images.Length];
        foreach (var key in gtLists.Keys.Union(detLists.Keys))
        {
            IReadOnlyList<EvalGroundTruth> gts = gtLists.TryGetValue(key, out var g) ? g : [];
            IReadOnlyList<EvalDetection> dets = detLists.TryGetValue(key, out var d) ? BestFirst(d) : [];
            pairs[key.Category][key.Image] = new ImageCategoryInputs(gts, dets);
        }
        return new EvaluationIndex(images, categories, pairs);
    }

    /// <summary>The best <see cref="CocoEvalParams.MaxDetsPerImage"/> detections by score; equal scores keep input order.</summary>
    private static EvalDetection[] BestFirst(List<EvalDetection> detections) =>
        detections.OrderByDescending(d => d.Score).Take(CocoEvalParams.MaxDetsPerImage).ToArray();

    private static List<T> ListFor<T>(Dictionary<(int, int), List<T>> lists, (int, int) key)
    {
        if (!lists.TryGetValue(key, out var list))
        {
            list = [];
            lists[key] = list;
        }
        return list;
    }
}
