namespace Ssd.Model.Data;

/// <summary>
/// A detection dataset as the readers return it: images with their objects, the class names in class-id
/// order (class id = index + 1), and the original category id of each class.
/// </summary>
public sealed class DetectionDataset
{
    public DetectionDataset(
        string source,
        IReadOnlyList<string> classNames,
        IReadOnlyList<long> categoryIds,
        IReadOnlyList<DatasetImage> images,
        int skippedAnnotations = 0,
        int skippedImages = 0,
        IReadOnlyList<string>? skipReasons = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(categoryIds);
        ArgumentNullException.ThrowIfNull(images);
        if (classNames.Count == 0) throw new ArgumentException($"{source}: a dataset needs at least one class", nameof(classNames));
        if (categoryIds.Count != classNames.Count)
            throw new ArgumentException($"{source}: {categoryIds.Count} category ids for {classNames.Count} class names", nameof(categoryIds));
        foreach (var image in images)
        {
            var bad = image.Objects.FirstOrDefault(o => o.ClassId < 1 || o.ClassId > classNames.Count);
            if (bad != null)
                throw new ArgumentException($"{source}: image {image.Id} has an object of class id {bad.ClassId}; class ids run 1..{classNames.Count}", nameof(images));
        }
        Source = source;
        ClassNames = classNames;
        CategoryIds = categoryIds;
        Images = images;
        SkippedAnnotations = skippedAnnotations;
        SkippedImages = skippedImages;
        SkipReasons = skipReasons ?? [];
    }

    /// <summary>Where the dataset came from: the COCO annotation file, or the VOC root with the image set.</summary>
    public string Source { get; }

    /// <summary>Class names; class id k (1-based) is <c>ClassNames[k - 1]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The original category id of class id k at index k - 1: COCO's category ids (1..90 for COCO 2017); VOC: 1..N.</summary>
    public IReadOnlyList<long> CategoryIds { get; }

    public IReadOnlyList<DatasetImage> Images { get; }

    /// <summary>
    /// Annotations left out because they were bad (read with skipBad), including those of skipped images.
    /// </summary>
    public int SkippedAnnotations { get; }

    /// <summary>Images left out because they were bad (missing file, missing fields, unreadable annotation file).</summary>
    public int SkippedImages { get; }

    /// <summary>One message per skipped image or annotation, in the words the exception would have used.</summary>
    public IReadOnlyList<string> SkipReasons { get; }

    /// <summary>The class id (1-based) of an original category id, or 0 when the dataset has no such category.</summary>
    public int ClassIdOf(long categoryId)
    {
        for (int i = 0; i < CategoryIds.Count; i++)
        {
            if (CategoryIds[i] == categoryId) return i + 1;
        }
        return 0;
    }

    /// <summary>Objects over all images, crowd ones included.</summary>
    public int ObjectCount => Images.Sum(i => i.Objects.Count);

    /// <summary>
    /// Read with skipBad: an image whose file does not decode is left out where it is met (reading finds
    /// missing files, but decoding every image up front would cost minutes on a large set), and counted in
    /// <see cref="Undecodable"/>. Otherwise such an image is a <see cref="DatasetException"/> naming it.
    /// </summary>
    public bool SkipsUndecodable { get; internal set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, string> _undecodable = new();

    /// <summary>The images left out so far because they did not decode: why, one line each (read with skipBad).</summary>
    public IReadOnlyList<string> Undecodable => _undecodable.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();

    /// <summary>
    /// An image's pixels and boxes (<see cref="Training.TrainingBatchLoader.LoadSample"/>), or null for an image
    /// that does not decode when <see cref="SkipsUndecodable"/> (counted in <see cref="Undecodable"/>). Thread-safe.
    /// </summary>
    public Training.TrainingSample? TryLoad(DatasetImage image)
    {
        if (SkipsUndecodable && _undecodable.ContainsKey(image.Id)) return null;
        try
        {
            return Training.TrainingBatchLoader.LoadSample(image);
        }
        catch (DatasetException e) when (SkipsUndecodable)
        {
            _undecodable.TryAdd(image.Id, e.Message);
            return null;
        }
    }
}
