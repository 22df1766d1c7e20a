using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Publishing;

/// <summary>The JSON payloads of our topics (schemas/detections.schema.json describes the detections one).</summary>
public static class MqttPayloads
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>ISO 8601 UTC with milliseconds, e.g. 2026-11-29T06:20:00.123Z.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>{"camera", "sequence", "capture_time", "width", "height", "model", "detections": [{"label",
    /// "class_id", "score", "box": [x1, y1, x2, y2] pixels, "box_normalized": [...] 0..1}]}</c>.
    /// </summary>
    public static byte[] Detections(FrameResult result)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("camera", result.CameraId);
            w.WriteNumber("sequence", result.Sequence);
            w.WriteString("capture_time", Time(result.CaptureTime));
            w.WriteNumber("width", result.Width);
            w.WriteNumber("height", result.Height);
            w.WriteString("model", result.ModelName);
            w.WriteStartArray("detections");
            foreach (var d in result.Detections) WriteDetection(w, d, normalized: true);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>
    /// One detection as JSON: <c>{"label", "class_id", "score", "box": [x1, y1, x2, y2]}</c> in pixels
    /// (0.1 px), with <c>"box_normalized"</c> (0..1) when <paramref name="normalized"/>.
    /// </summary>
    public static void WriteDetection(Utf8JsonWriter w, Results.PixelDetection d, bool normalized)
    {
        w.WriteStartObject();
        w.WriteString("label", d.Label);
        w.WriteNumber("class_id", d.ClassId);
        w.WriteNumber("score", Math.Round(d.Score, 4));
        WriteBox(w, "box", 1, d.X1, d.Y1, d.X2, d.Y2);
        if (normalized) WriteBox(w, "box_normalized", 5, d.NX1, d.NY1, d.NX2, d.NY2);
        w.WriteEndObject();
    }

    /// <summary><c>"name": [x1, y1, x2, y2]</c>, each rounded to <paramref name="digits"/> decimals.</summary>
    private static void WriteBox(Utf8JsonWriter w, string name, int digits, float x1, float y1, float x2, float y2)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(Math.Round(x1, digits));
        w.WriteNumberValue(Math.Round(y1, digits));
        w.WriteNumberValue(Math.Round(x2, digits));
        w.WriteNumberValue(Math.Round(y2, digits));
        w.WriteEndArray();
    }

    /// <summary><c>{"state": "streaming|reconnecting|stopped", "reason": "...", "time": "..."}</c>.</summary>
    public static byte[] Status(CameraStateChange change) => Utf8(new JsonObject
    {
        ["state"] = StateName(change.State),
        ["reason"] = change.Reason,
        ["time"] = Time(change.Time),
    }.ToJsonString());

    /// <summary>The public name of a camera state: connecting and backing off are both "reconnecting".</summary>
    public static string StateName(CameraState state) => state switch
    {
        CameraState.Streaming => "streaming",
        CameraState.Stopped => "stopped",
        _ => "reconnecting",
    };
}
