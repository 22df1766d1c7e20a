using System.Text.Json;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Results;

/// <summary>
/// The one JSON form of a tracked object and of its events, with Frigate's field names where the meaning
/// is the same, so that an automation written for <c>frigate/events</c> ports with a topic change. Times
/// are Unix seconds (3 decimals) as Frigate sends them; <c>box</c> is <c>[x1, y1, x2, y2]</c> in pixels,
/// <c>box_normalized</c> the same in 0..1 of the frame. Schema: <c>schemas/events.schema.json</c>.
/// </summary>
public static class ObjectJson
{
    /// <summary>
    /// <c>{"type": "new"|"update"|"end", "before": {...}, "after": {...}}</c>; <paramref name="hasSnapshot"/> and
    /// <paramref name="hasClip"/> are the objects' <c>has_snapshot</c> and <c>has_clip</c>.
    /// </summary>
    public static void WriteEvent(Utf8JsonWriter w, ObjectEvent e, bool hasSnapshot = false, bool hasClip = false, (DateTimeOffset Time, CornerBox Box)? snapshot = null)
    {
        w.WriteStartObject();
        w.WriteString("type", e.TypeName);
        w.WritePropertyName("before");
        Write(w, e.Before, hasSnapshot, hasClip, snapshot);
        w.WritePropertyName("after");
        Write(w, e.After, hasSnapshot, hasClip, snapshot);
        w.WriteEndObject();
    }

    /// <summary>
    /// One object as a JSON object. <c>snapshot</c> is the saved snapshot's frame time and box when
    /// <paramref name="snapshot"/> is given, else the object's best detection so far. <paramref name="more"/>
    /// writes properties of its own after the object's (the events store adds its media paths).
    /// </summary>
    public static void Write(Utf8JsonWriter w, ObjectSnapshot o, bool hasSnapshot = false, bool hasClip = false, (DateTimeOffset Time, CornerBox Box)? snapshot = null,
        Action<Utf8JsonWriter>? more = null)
    {
        w.WriteStartObject();
        w.WriteString("id", o.Id);
        w.WriteString("camera", o.Camera);
        w.WriteNumber("frame_time", Seconds(o.FrameTime));
        w.WriteString("label", o.Label);
        w.WriteNull("sub_label");
        w.WriteNumber("score", Math.Round(o.Score, 4));
        w.WriteNumber("top_score", Math.Round(o.TopScore, 4));
        DetectionJson.WriteBox(w, "box", 1, o.Box.X1, o.Box.Y1, o.Box.X2, o.Box.Y2);
        DetectionJson.WriteBox(w, "box_normalized", 5, o.BoxNormalized.X1, o.BoxNormalized.Y1, o.BoxNormalized.X2, o.BoxNormalized.Y2);
        w.WriteNumber("area", Math.Round(o.Area));
        w.WriteNumber("ratio", o.Box.Height > 0 ? Math.Round(o.Box.Width / o.Box.Height, 3) : 0);
        w.WriteNumber("start_time", Seconds(o.StartTime));
        if (o.EndTime is { } end) w.WriteNumber("end_time", Seconds(end));
        else w.WriteNull("end_time");
        Strings(w, "current_zones", o.CurrentZones);
        Strings(w, "entered_zones", o.EnteredZones);
        w.WriteBoolean("stationary", o.Stationary);
        w.WriteBoolean("active", o.Active);
        w.WriteBoolean("false_positive", o.FalsePositive);
        w.WriteBoolean("has_snapshot", hasSnapshot);
        w.WriteBoolean("has_clip", hasClip);
        w.WriteStartObject("snapshot");
        var (time, box) = snapshot ?? (o.BestFrameTime, o.BestBox);
        w.WriteNumber("frame_time", Seconds(time));
        DetectionJson.WriteBox(w, "box", 1, box.X1, box.Y1, box.X2, box.Y2);
        w.WriteEndObject();
        more?.Invoke(w);
        w.WriteEndObject();
    }

    /// <summary>Unix seconds with milliseconds, as Frigate's times.</summary>
    public static double Seconds(DateTimeOffset t) => Math.Round(t.ToUnixTimeMilliseconds() / 1000.0, 3);

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
