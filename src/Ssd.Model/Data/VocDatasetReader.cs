using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Ssd.Model.Data;

/// <summary>
/// Reads a Pascal VOC dataset: <c>&lt;root&gt;/ImageSets/Main/&lt;set&gt;.txt</c> lists the image ids (first
/// token of each line), <c>Annotations/&lt;id&gt;.xml</c> describes each image, and the image file is
/// <c>JPEGImages/&lt;filename&gt;</c> (<c>&lt;id&gt;.jpg</c> when the XML has no <c>&lt;filename&gt;</c>).
/// <list type="bullet">
/// <item>Classes: the 20 VOC classes in their usual order (<see cref="VocClasses"/>), so class ids agree
/// between train and val sets and with models trained on VOC; pass <c>classNames</c> for a custom dataset
/// in VOC layout. An object of another name is an unknown-class error.</item>
/// <item>Image ids are the 1-based line of the id in the image set file (VOC ids like 2008_000008 are not numbers).</item>
/// <item>Size comes from <c>&lt;size&gt;&lt;width&gt;/&lt;height&gt;</c>; the image file must exist but is not decoded.</item>
/// <item>Boxes: VOC's <c>&lt;bndbox&gt;</c> holds 1-based inclusive pixel indices, so x1 = xmin - 1, y1 = ymin - 1,
/// x2 = xmax, y2 = ymax; the area is the box area.</item>
/// <item><c>&lt;difficult&gt;1&lt;/difficult&gt;</c> objects are kept with <see cref="DatasetObject.IsCrowd"/> set:
/// VOC's evaluation ignores them (neither a hit nor a miss) just as COCO ignores crowd regions, and the
/// reference SSD trainings leave them out of the targets.</item>
/// </list>
/// Bad input (malformed XML, with its line; a missing annotation or image file; missing size or box fields;
/// an unknown class; a box outside the image by more than 1 px or with no area) is a
/// <see cref="DatasetException"/> naming the XML file and the object (index, 0-based, and name); with
/// skipBad it is left out and counted instead (an image-level problem skips the image and its objects).
/// </summary>
public static class VocDatasetReader
{
    /// <summary>The 20 Pascal VOC classes in the order of their usual class ids 1..20.</summary>
    public static IReadOnlyList<string> VocClasses { get; } =
    [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    /// <summary>
    /// The class names a dataset in VOC layout uses, for training on a user's own export (labelImg, CVAT):
    /// the 20 VOC classes in their usual order when every object's name is one of them (so ids agree with
    /// models trained on VOC), otherwise every distinct name in <c>Annotations/*.xml</c>, sorted (ordinal),
    /// so that every image set of the folder gets the same class ids. Malformed files are skipped here;
    /// reading the set reports them.
    /// </summary>
    public static IReadOnlyList<string> ClassNamesOf(string vocRoot)
    {
        var annotations = Path.Combine(vocRoot, "Annotations");
        if (!Directory.Exists(annotations)) throw new DatasetException($"{vocRoot}: no Annotations folder (a Pascal VOC dataset holds Annotations/, ImageSets/Main/ and JPEGImages/)");
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(annotations, "*.xml"))
        {
            try
            {
                foreach (var name in XDocument.Load(file).Root?.Elements("object").Select(o => Text(o.Element("name"))) ?? [])
                {
                    if (name != null) names.Add(name);
                }
            }
            catch (XmlException)
            {
            }
        }
        if (names.Count == 0) throw new DatasetException($"{annotations}: no object has a <name>; there are no classes to train");
        return names.All(VocClasses.Contains) ? VocClasses : names.ToList();
    }

    /// <param name="vocRoot">The VOC directory (e.g. VOCdevkit/VOC2007) holding Annotations/, ImageSets/ and JPEGImages/.</param>
    /// <param name="imageSet">The image set, a file name in ImageSets/Main without ".txt": "train", "val", "trainval", "test".</param>
    /// <param name="classNames">Class names in class-id order; null for <see cref="VocClasses"/>.</param>
    public static DetectionDataset Read(string vocRoot, string imageSet, bool skipBad = false, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(vocRoot);
        ArgumentException.ThrowIfNullOrWhiteSpace(imageSet);
        var names = classNames ?? VocClasses;
        if (names.Count == 0) throw new ArgumentException("classNames is empty", nameof(classNames));
        var classOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            if (!classOf.TryAdd(names[i], i + 1)) throw new ArgumentException($"class '{names[i]}' is named twice", nameof(classNames));
        }

        string setFile = Path.Combine(vocRoot, "ImageSets", "Main", imageSet + ".txt");
        if (!File.Exists(setFile)) throw new DatasetException($"{setFile}: image set file does not exist (VOC root '{vocRoot}', set '{imageSet}')");
        var ids = File.ReadLines(setFile)
            .Select(l => l.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries))
            .Where(tokens => tokens.Length > 0)
            .Select(tokens => tokens[0])
            .ToList();

        var policy = new BadAnnotationPolicy(skipBad);
        var images = new List<DatasetImage>();
        for (int line = 0; line < ids.Count; line++)
        {
            var image = ReadImage(vocRoot, ids[line], line + 1, classOf, policy);
            if (image != null) images.Add(image);
        }
        return new DetectionDataset($"{vocRoot} ({imageSet})", names, Enumerable.Range(1, names.Count).Select(i => (long)i).ToArray(),
            images, policy.SkippedAnnotations, policy.SkippedImages, policy.Reasons);
    }

    private static DatasetImage? ReadImage(string vocRoot, string vocId, long imageId, Dictionary<string, int> classOf, BadAnnotationPolicy policy)
    {
        string xmlPath = Path.Combine(vocRoot, "Annotations", vocId + ".xml");
        if (!File.Exists(xmlPath))
        {
            policy.SkipImage($"{xmlPath}: annotation file of image '{vocId}' does not exist", 0);
            return null;
        }
        XElement root;
        try
        {
            root = XDocument.Load(xmlPath, LoadOptions.SetLineInfo).Root ?? throw new DatasetException($"{xmlPath}: no root element");
        }
        catch (XmlException e)
        {
            policy.SkipImage($"{xmlPath}: malformed XML at line {e.LineNumber}, position {e.LinePosition}: {e.Message}", 0);
            return null;
        }

        var objects = root.Elements("object").ToList();
        string? fileName = Text(root.Element("filename"));
        string imagePath = Path.Combine(vocRoot, "JPEGImages", string.IsNullOrEmpty(fileName) ? vocId + ".jpg" : fileName);
        var size = root.Element("size");
        string? problem = null;
        int width = 0, height = 0;
        if (size == null) problem = "no <size>";
        else if (!TryInteger(size.Element("width"), out width)) problem = Describe(size.Element("width"), "<size><width>");
        else if (!TryInteger(size.Element("height"), out height)) problem = Describe(size.Element("height"), "<size><height>");
        else if (width <= 0 || height <= 0) problem = $"<size> is {width}x{height}; width and height must be positive";
        else if (!File.Exists(imagePath)) problem = $"image file '{imagePath}' does not exist";
        if (problem != null)
        {
            policy.SkipImage($"{xmlPath}: {problem}", objects.Count);
            return null;
        }

        var result = new List<DatasetObject>();
        for (int i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            string? name = Text(o.Element("name"));
            string where = $"{xmlPath}: object {i}" + (name is null ? "" : $" '{name}'") + LineOf(o);
            if (name is null) { policy.SkipAnnotation($"{where} has no <name>"); continue; }
            if (!classOf.TryGetValue(name, out int classId))
            {
                policy.SkipAnnotation($"{where}: class '{name}' is not among the {classOf.Count} classes ({string.Join(", ", classOf.Keys.Take(5))}, ...)");
                continue;
            }
            var box = o.Element("bndbox");
            if (box == null) { policy.SkipAnnotation($"{where} has no <bndbox>"); continue; }
            var corners = new double[4];
            string[] tags = ["xmin", "ymin", "xmax", "ymax"];
            string? missing = null;
            for (int k = 0; k < 4 && missing == null; k++)
            {
                if (!TryNumber(box.Element(tags[k]), out corners[k])) missing = Describe(box.Element(tags[k]), $"<bndbox><{tags[k]}>");
            }
            if (missing != null) { policy.SkipAnnotation($"{where}: {missing}"); continue; }
            var fitted = AnnotationBox.Fit(corners[0] - 1, corners[1] - 1, corners[2], corners[3], width, height, out string boxProblem);
            if (fitted is not var (x1, y1, x2, y2))
            {
                policy.SkipAnnotation($"{where}: {boxProblem} (xmin {corners[0]}, ymin {corners[1]}, xmax {corners[2]}, ymax {corners[3]})");
                continue;
            }
            bool difficult = Text(o.Element("difficult")) is { } d && d != "0";
            result.Add(new DatasetObject(classId, x1, y1, x2, y2, difficult, (double)(x2 - x1) * (y2 - y1)));
        }
        return new DatasetImage(imageId, imagePath, width, height, result);
    }

    private static string? Text(XElement? e) => e == null ? null : e.Value.Trim() is { Length: > 0 } t ? t : null;

    private static string LineOf(XElement e) => ((IXmlLineInfo)e).HasLineInfo() ? $" (line {((IXmlLineInfo)e).LineNumber})" : "";

    private static string Describe(XElement? e, string what) =>
        e == null ? $"no {what}" : $"{what} '{e.Value.Trim()}' is not a number{LineOf(e)}";

    private static bool TryNumber(XElement? e, out double value)
    {
        value = 0;
        return e != null && double.TryParse(e.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    // Some tools write sizes as "500.0": accept whole numbers in any notation.
    private static bool TryInteger(XElement? e, out int value)
    {
        value = 0;
        if (!TryNumber(e, out double d) || d != Math.Floor(d) || d > int.MaxValue || d < int.MinValue) return false;
        value = (int)d;
        return true;
    }
}
