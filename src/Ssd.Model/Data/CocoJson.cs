using System.Text.Json.Serialization;

namespace Ssd.Model.Data;

// The parts of a COCO annotation file the readers use; everything else (segmentation, info, licences) is
// skipped while parsing. Every field is nullable so that a missing one is reported by name, not defaulted.

internal sealed class CocoFileJson
{
    [JsonPropertyName("images")] public List<CocoImageJson?>? Images { get; set; }

    [JsonPropertyName("annotations")] public List<CocoAnnotationJson?>? Annotations { get; set; }

    [JsonPropertyName("categories")] public List<CocoCategoryJson?>? Categories { get; set; }
}

internal sealed class CocoImageJson
{
    [JsonPropertyName("id")] public long? Id { get; set; }

    [JsonPropertyName("file_name")] public string? FileName { get; set; }

    [JsonPropertyName("width")] public int? Width { get; set; }

    [JsonPropertyName("height")] public int? Height { get; set; }
}

internal sealed class CocoAnnotationJson
{
    [JsonPropertyName("id")] public long? Id { get; set; }

    [JsonPropertyName("image_id")] public long? ImageId { get; set; }

    [JsonPropertyName("category_id")] public long? CategoryId { get; set; }

    /// <summary>[x, y, width, height] in pixels, (x, y) the top-left corner.</summary>
    [JsonPropertyName("bbox")] public double[]? Bbox { get; set; }

    [JsonPropertyName("area")] public double? Area { get; set; }

    [JsonPropertyName("iscrowd")] public int? IsCrowd { get; set; }
}

internal sealed class CocoCategoryJson
{
    [JsonPropertyName("id")] public long? Id { get; set; }

    [JsonPropertyName("name")] public string? Name { get; set; }
}

[JsonSerializable(typeof(CocoFileJson))]
internal sealed partial class CocoJsonContext : JsonSerializerContext;
