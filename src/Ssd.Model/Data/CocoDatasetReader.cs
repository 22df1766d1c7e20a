using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ssd.Model.Data;

/// <summary>
/// Reads a COCO detection annotation file (instances_*.json).
/// <list type="bullet">
/// <item>Categories become class ids 1..N in ascending category id (COCO 2017's 80 categories, ids 1..90,
/// give <see cref="Checkpoints.ClassNames.Coco"/>'s order); names must be present and unique.</item>
/// <item>Images need <c>id</c>, <c>file_name</c> (relative to the image directory), <c>width</c> and
/// <c>height</c>; the file must exist but is not decoded. Images without annotations are kept.</item>
/// <item>Annotations need <c>id</c>, <c>image_id</c>, <c>category_id</c> and <c>bbox</c> [x, y, width, height]
/// in pixels; <c>area</c> defaults to the box area and <c>iscrowd</c> to 0 when absent, as pycocotools does.
/// Crowd annotations are kept with <see cref="DatasetObject.IsCrowd"/> set.</item>
/// </list>
/// Bad input (a missing field, an unknown category or image id, a box outside the image by more than 1 px
/// or with no area, a missing image file) is a <see cref="DatasetException"/> naming the file and the image
/// or annotation (id and index); with skipBad it is left out and counted instead (a bad image takes its
/// annotations with it). Malformed JSON, a repeated image, annotation or category id, and bad categories
/// are always errors; a JSON error names its line and, where the parser knows it, the annotation index.
/// </summary>
public static partial class CocoDatasetReader
{
    public static DetectionDataset Read(string annotationJson, string imageDir, bool skipBad = false)
    {
        ArgumentNullException.ThrowIfNull(annotationJson);
        ArgumentNullException.ThrowIfNull(imageDir);
        if (!File.Exists(annotationJson)) throw new DatasetException($"{annotationJson}: annotation file does not exist");
        if (!Directory.Exists(imageDir)) throw new DatasetException($"{annotationJson}: image directory '{imageDir}' does not exist");

        var file = Parse(annotationJson);
        var policy = new BadAnnotationPolicy(skipBad);
        var (names, categoryIds) = ReadCategories(annotationJson, file.Categories);
        var classOf = new Dictionary<long, int>();
        for (int i = 0; i < categoryIds.Length; i++) classOf[categoryIds[i]] = i + 1;

        var annotations = file.Annotations ?? throw new DatasetException($"{annotationJson}: no \"annotations\" array");
        var imageList = file.Images ?? throw new DatasetException($"{annotationJson}: no \"images\" array");
        var annotationsPerImage = annotations
            .Where(a => a?.ImageId != null)
            .GroupBy(a => a!.ImageId!.Value)
            .ToDictionary(g => g.Key, g => g.Count());

        // Images first: an annotation can only be checked against a valid image.
        var images = new Dictionary<long, ImageEntry>();
        var order = new List<long>();
        var skippedImageIds = new HashSet<long>();
        for (int i = 0; i < imageList.Count; i++)
        {
            var image = imageList[i];
            if (image?.Id is not { } id)
            {
                policy.SkipImage($"{annotationJson}: image at index {i} has no \"id\"", 0);
                continue;
            }
            string where = $"{annotationJson}: image id {id} (index {i})";
            if (images.ContainsKey(id) || skippedImageIds.Contains(id)) throw new DatasetException($"{where}: image id {id} appears twice");
            string? problem = image.FileName is null or "" ? "no \"file_name\""
                : image.Width is null ? "no \"width\""
                : image.Height is null ? "no \"height\""
                : image.Width <= 0 || image.Height <= 0 ? $"size {image.Width}x{image.Height}; width and height must be positive"
                : null;
            string path = problem == null ? Path.Combine(imageDir, image.FileName!) : "";
            if (problem == null && !File.Exists(path)) problem = $"image file '{path}' does not exist";
            if (problem != null)
            {
                skippedImageIds.Add(id);
                policy.SkipImage($"{where}: {problem}", annotationsPerImage.GetValueOrDefault(id));
                continue;
            }
            order.Add(id);
            images[id] = new ImageEntry(id, path, image.Width!.Value, image.Height!.Value, []);
        }

        var annotationIds = new HashSet<long>();
        for (int i = 0; i < annotations.Count; i++)
        {
            var a = annotations[i];
            string where = a?.Id is { } aid ? $"{annotationJson}: annotation id {aid} (index {i})" : $"{annotationJson}: annotation at index {i}";
            if (a == null) { policy.SkipAnnotation($"{where} is null"); continue; }
            if (a.Id == null) { policy.SkipAnnotation($"{where} has no \"id\""); continue; }
            if (!annotationIds.Add(a.Id.Value)) throw new DatasetException($"{where}: annotation id {a.Id} appears twice");
            if (a.ImageId is not { } imageId) { policy.SkipAnnotation($"{where} has no \"image_id\""); continue; }
            if (skippedImageIds.Contains(imageId)) continue; // counted with its image
            if (!images.TryGetValue(imageId, out var entry))
            {
                policy.SkipAnnotation($"{where}: image_id {imageId} is not among the images");
                continue;
            }
            if (a.CategoryId is not { } categoryId) { policy.SkipAnnotation($"{where} has no \"category_id\""); continue; }
            if (!classOf.TryGetValue(categoryId, out int classId))
            {
                policy.SkipAnnotation($"{where}: category_id {categoryId} is not among the categories");
                continue;
            }
            if (a.Bbox == null) { policy.SkipAnnotation($"{where} has no \"bbox\""); continue; }
            if (a.Bbox.Length != 4)
            {
                policy.SkipAnnotation($"{where}: bbox has {a.Bbox.Length} numbers; expected 4 [x, y, width, height]");
                continue;
            }
            double x = a.Bbox[0], y = a.Bbox[1], w = a.Bbox[2], h = a.Bbox[3];
            var box = AnnotationBox.Fit(x, y, x + w, y + h, entry.Width, entry.Height, out string problem);
            if (box is not var (x1, y1, x2, y2))
            {
                policy.SkipAnnotation($"{where} on image id {imageId}: {problem} (bbox [{x}, {y}, {w}, {h}])");
                continue;
            }
            double area = a.Area ?? w * h;
            entry.Objects.Add(new DatasetObject(classId, x1, y1, x2, y2, a.IsCrowd is { } crowd && crowd != 0, area));
        }

        var result = order
            .Select(id => images[id])
            .Select(e => new DatasetImage(e.Id, e.Path, e.Width, e.Height, e.Objects))
            .ToArray();
        return new DetectionDataset(annotationJson, names, categoryIds, result,
            policy.SkippedAnnotations, policy.SkippedImages, policy.Reasons);
    }

    private sealed record ImageEntry(long Id, string Path, int Width, int Height, List<DatasetObject> Objects);

    private static CocoFileJson Parse(string annotationJson)
    {
        try
        {
            using var stream = File.OpenRead(annotationJson);
            return JsonSerializer.Deserialize(stream, CocoJsonContext.Default.CocoFileJson)
                ?? throw new DatasetException($"{annotationJson}: the file holds JSON null, not a COCO object");
        }
        catch (JsonException e)
        {
            throw new DatasetException($"{annotationJson}: malformed JSON{Location(e)}: {CoreMessage(e)}", e);
        }
    }

    /// <summary>" at line L, byte B (annotation index 3, field bbox)" from what the exception knows.</summary>
    private static string Location(JsonException e)
    {
        var parts = new List<string>();
        if (e.LineNumber is { } line) parts.Add($" at line {line + 1}" + (e.BytePositionInLine is { } b ? $", byte {b + 1}" : ""));
        if (e.Path is { Length: > 1 } path) parts.Add($" ({DescribePath(path)})");
        return string.Concat(parts);
    }

    /// <summary>"$.annotations[3].bbox" as "annotation index 3, field bbox".</summary>
    internal static string DescribePath(string path)
    {
        var m = JsonPathPattern().Match(path);
        if (!m.Success) return path;
        string kind = m.Groups["array"].Value switch
        {
            "annotations" => "annotation",
            "images" => "image",
            "categories" => "category",
            var other => other,
        };
        return m.Groups["field"].Success ? $"{kind} index {m.Groups["index"].Value}, field {m.Groups["field"].Value}" : $"{kind} index {m.Groups["index"].Value}";
    }

    [GeneratedRegex(@"^\$\.(?<array>\w+)\[(?<index>\d+)\](\.(?<field>\w+))?")]
    private static partial Regex JsonPathPattern();

    /// <summary>The exception's message without the location System.Text.Json appends.</summary>
    private static string CoreMessage(JsonException e)
    {
        string message = e.Message;
        foreach (var marker in new[] { " Path: ", " LineNumber: " })
        {
            int at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0) message = message[..at];
        }
        message = message.TrimEnd();
        var m = ConversionPattern().Match(message);
        if (!m.Success) return message;
        string type = m.Groups["type"].Value;
        string expected = type switch
        {
            "System.Double[]" => "an array of numbers",
            "System.String" => "a string",
            _ when type.Contains("Int64", StringComparison.Ordinal) || type.Contains("Int32", StringComparison.Ordinal) => "a whole number",
            _ when type.Contains("Double", StringComparison.Ordinal) => "a number",
            _ when type.Contains(nameof(CocoFileJson), StringComparison.Ordinal) => "an object with \"images\", \"annotations\" and \"categories\"",
            _ when type.Contains("List`1", StringComparison.Ordinal) => "an array",
            _ => "an object",
        };
        return $"the value has the wrong type; expected {expected}";
    }

    [GeneratedRegex(@"could not be converted to (?<type>\S+?)\.?$")]
    private static partial Regex ConversionPattern();

    private static (string[] Names, long[] Ids) ReadCategories(string annotationJson, List<CocoCategoryJson?>? categories)
    {
        if (categories == null || categories.Count == 0) throw new DatasetException($"{annotationJson}: no \"categories\"; a detection dataset needs at least one");
        var seen = new Dictionary<long, string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < categories.Count; i++)
        {
            var c = categories[i];
            if (c?.Id is not { } id) throw new DatasetException($"{annotationJson}: category at index {i} has no \"id\"");
            if (string.IsNullOrWhiteSpace(c.Name)) throw new DatasetException($"{annotationJson}: category id {id} (index {i}) has no \"name\"");
            if (!seen.TryAdd(id, c.Name)) throw new DatasetException($"{annotationJson}: category id {id} (index {i}) appears twice");
            if (!names.Add(c.Name)) throw new DatasetException($"{annotationJson}: category id {id} (index {i}) repeats the name '{c.Name}'");
        }
        var ids = seen.Keys.Order().ToArray();
        return (ids.Select(id => seen[id]).ToArray(), ids);
    }
}
