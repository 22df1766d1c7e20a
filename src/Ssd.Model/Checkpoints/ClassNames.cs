namespace Ssd.Model.Checkpoints;

/// <summary>Class-name lists: COCO's 80 (the class ids of 81-class reference checkpoints) and label files.</summary>
public static class ClassNames
{
    /// <summary>The 80 COCO object categories in the order of the reference models' class ids 1..80.</summary>
    public static IReadOnlyList<string> Coco { get; } =
    [
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
        "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
        "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
        "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
        "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
        "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
    ];

    /// <summary>
    /// Reads a label file: one class name per line, in class-id order starting at 1 (background is
    /// implicit); blank lines and lines starting with '#' are skipped.
    /// </summary>
    public static IReadOnlyList<string> ReadLabelFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"label file '{path}' does not exist", path);
        var names = File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        if (names.Count == 0) throw new CheckpointException($"label file '{path}' holds no class names");
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new CheckpointException($"label file '{path}' names class '{duplicate.Key}' twice");
        return names;
    }

    /// <summary>Names for a model without a label list: COCO's for 80 classes, else class_1..class_N.</summary>
    public static IReadOnlyList<string> Default(int objectClasses) =>
        objectClasses == Coco.Count ? Coco : Enumerable.Range(1, objectClasses).Select(i => $"class_{i}").ToArray();
}
