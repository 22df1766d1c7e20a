using System.Text.Json;

namespace Ssd.Model.Data;

/// <summary>
/// Writes a dataset as a COCO detection annotation file: <c>images</c> (id, file_name relative to the image
/// directory with '/' separators, width, height), <c>annotations</c> (ids 1.. in image order, image_id,
/// category_id, bbox [x, y, width, height] in pixels, area, iscrowd 0/1) and <c>categories</c> (id, name).
/// The output is compact JSON and depends only on the dataset, so equal datasets give equal bytes.
/// </summary>
public static class CocoDatasetWriter
{
    public static void Write(DetectionDataset dataset, string annotationJson, string imageDir, string description = "")
    {
        ArgumentNullException.ThrowIfNull(dataset);
        string fullImageDir = Path.GetFullPath(imageDir);
        string temporary = annotationJson + ".tmp";
        using (var stream = File.Create(temporary))
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartObject("info");
            w.WriteString("description", description);
            w.WriteEndObject();
            w.WriteStartArray("licenses");
            w.WriteEndArray();

            w.WriteStartArray("images");
            foreach (var image in dataset.Images)
            {
                string relative = Path.GetRelativePath(fullImageDir, Path.GetFullPath(image.Path));
                if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
                    throw new ArgumentException($"image {image.Id} '{image.Path}' lies outside the image directory '{fullImageDir}'", nameof(dataset));
                w.WriteStartObject();
                w.WriteNumber("id", image.Id);
                w.WriteString("file_name", relative.Replace(Path.DirectorySeparatorChar, '/'));
                w.WriteNumber("width", image.Width);
                w.WriteNumber("height", image.Height);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartArray("annotations");
            long annotationId = 1;
            foreach (var image in dataset.Images)
            {
                foreach (var o in image.Objects)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", annotationId++);
                    w.WriteNumber("image_id", image.Id);
                    w.WriteNumber("category_id", dataset.CategoryIds[o.ClassId - 1]);
                    w.WriteStartArray("bbox");
                    w.WriteNumberValue(o.X1);
                    w.WriteNumberValue(o.Y1);
                    w.WriteNumberValue(o.X2 - o.X1);
                    w.WriteNumberValue(o.Y2 - o.Y1);
                    w.WriteEndArray();
                    w.WriteNumber("area", o.Area);
                    w.WriteNumber("iscrowd", o.IsCrowd ? 1 : 0);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();

            w.WriteStartArray("categories");
            for (int i = 0; i < dataset.ClassNames.Count; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", dataset.CategoryIds[i]);
                w.WriteString("name", dataset.ClassNames[i]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        File.Move(temporary, annotationJson, overwrite: true);
    }
}
