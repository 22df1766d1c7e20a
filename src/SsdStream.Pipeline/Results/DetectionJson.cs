using System.Text.Json;

namespace SsdStream.Pipeline.Results;

/// <summary>
/// The one JSON form of a detection, used by the MQTT detections message, the recording sidecars and
/// <c>ssdstream detect</c>: <c>{"label", "class_id", "score", "box": [x1, y1, x2, y2], "box_normalized": [...], "track_id"}</c>
/// (<c>track_id</c> only for a detection that belongs to a tracked object),
/// the box in pixels of the frame (0.1 px), the normalised box in 0..1 of it (5 decimals), the score to 4 decimals.
/// </summary>
public static class DetectionJson
{
    /// <summary>Writes <c>"detections": [...]</c> as a property of the object being written.</summary>
    public static void WriteArray(Utf8JsonWriter w, IEnumerable<PixelDetection> detections, string name = "detections")
    {
        w.WriteStartArray(name);
        foreach (var d in detections) Write(w, d);
        w.WriteEndArray();
    }

    /// <summary>One detection as a JSON object.</summary>
    public static void Write(Utf8JsonWriter w, PixelDetection d)
    {
        w.WriteStartObject();
        w.WriteString("label", d.Label);
        w.WriteNumber("class_id", d.ClassId);
        w.WriteNumber("score", Math.Round(d.Score, 4));
        WriteBox(w, "box", 1, d.X1, d.Y1, d.X2, d.Y2);
        WriteBox(w, "box_normalized", 5, d.NX1, d.NY1, d.NX2, d.NY2);
        if (d.TrackId is { } id) w.WriteString("track_id", id);
        w.WriteEndObject();
    }

    /// <summary><c>"name": [x1, y1, x2, y2]</c>, each rounded to <paramref name="digits"/> decimals.</summary>
    public static void WriteBox(Utf8JsonWriter w, string name, int digits, float x1, float y1, float x2, float y2)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(Math.Round(x1, digits));
        w.WriteNumberValue(Math.Round(y1, digits));
        w.WriteNumberValue(Math.Round(x2, digits));
        w.WriteNumberValue(Math.Round(y2, digits));
        w.WriteEndArray();
    }
}
