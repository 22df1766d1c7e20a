using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SsdStream.Pipeline.Metrics;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Sources;

namespace SsdStream.Pipeline.Publishing;

/// <summary>The payloads of our topics, each written here and only here (schemas/detections.schema.json describes the detections one).</summary>
public static class MqttPayloads
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>ISO 8601 UTC with milliseconds, e.g. 2026-11-29T06:20:00.123Z.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>{"camera", "sequence", "message_sequence", "capture_time", "width", "height", "model", "detections": [...]}</c>,
    /// each detection as <see cref="DetectionJson"/> writes it. <paramref name="messageSequence"/> numbers the
    /// camera's detections messages without gaps (1, 2, 3... from the daemon's start), so that a subscriber
    /// can count what it lost; <c>sequence</c> is the frame's number, with gaps for frames not published.
    /// </summary>
    public static byte[] Detections(FrameResult result, long messageSequence)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("camera", result.CameraId);
            w.WriteNumber("sequence", result.Sequence);
            w.WriteNumber("message_sequence", messageSequence);
            w.WriteString("capture_time", Time(result.CaptureTime));
            w.WriteNumber("width", result.Width);
            w.WriteNumber("height", result.Height);
            w.WriteString("model", result.ModelName);
            DetectionJson.WriteArray(w, result.Detections);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>An object event (<c>&lt;prefix&gt;/events</c>), as <see cref="ObjectJson.WriteEvent"/> writes it.</summary>
    public static byte[] Event(Tracking.ObjectEvent e, bool hasSnapshot = false, bool hasClip = false, (DateTimeOffset, Tracking.CornerBox)? snapshot = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) ObjectJson.WriteEvent(w, e, hasSnapshot, hasClip, snapshot);
        return ms.ToArray();
    }

    /// <summary>
    /// <c>{"time", "instance", "cameras": {name: {"state", "fps", "frames_in", "frames_processed", "frames_dropped",
    /// "reconnects", "recording_dropped", "inference_ms_per_frame"}}, "mqtt": {"outbox", "outbox_dropped", "sent"}}</c>:
    /// totals since start, and the frame rate and inference time per frame over the interval.
    /// </summary>
    public static byte[] Stats(PipelineDelta delta, DateTimeOffset time, string instance, int outbox, long outboxDropped, long sent)
    {
        var perCamera = new JsonObject();
        foreach (var c in delta.Cameras)
        {
            perCamera[c.Now.CameraId] = new JsonObject
            {
                ["state"] = c.Now.State.PublicName(),
                ["fps"] = Math.Round(c.ProcessedPerSecond, 2),
                ["frames_in"] = c.Now.FramesIn,
                ["frames_processed"] = c.Now.FramesProcessed,
                ["frames_dropped"] = c.Now.FramesDropped,
                ["reconnects"] = c.Now.Reconnects,
                ["recording_dropped"] = c.Now.RecordingDropped,
                ["inference_ms_per_frame"] = Math.Round(c.InferenceMsPerFrame, 2),
            };
        }
        return Utf8(new JsonObject
        {
            ["time"] = Time(time),
            ["instance"] = instance,
            ["cameras"] = perCamera,
            ["mqtt"] = new JsonObject { ["outbox"] = outbox, ["outbox_dropped"] = outboxDropped, ["sent"] = sent },
        }.ToJsonString());
    }

    /// <summary><c>{"events", "camera", "path", "sidecar", "start", "end", "frames", "labels"}</c> of a closed segment (<c>events</c>: the ids of the events it holds).</summary>
    public static byte[] Segment(RecordedSegment segment, IReadOnlyList<string>? events = null) => Utf8(new JsonObject
    {
        ["events"] = new JsonArray((events ?? []).Select(e => (JsonNode)e).ToArray()),
        ["camera"] = segment.Camera,
        ["path"] = segment.VideoPath,
        ["sidecar"] = segment.SidecarPath,
        ["start"] = Time(segment.Start),
        ["end"] = Time(segment.End),
        ["frames"] = segment.Frames,
        ["labels"] = new JsonArray(segment.Labels.Select(l => (JsonNode)l).ToArray()),
    }.ToJsonString());

    /// <summary><c>{"state": "streaming|reconnecting|stopped", "reason": "...", "time": "...", "instance": "..."}</c>: a camera's status, naming the instance that runs it.</summary>
    public static byte[] Status(CameraStateChange change, string instance) => Utf8(new JsonObject
    {
        ["state"] = change.State.PublicName(),
        ["reason"] = change.Reason,
        ["time"] = Time(change.Time),
        ["instance"] = instance,
    }.ToJsonString());

    /// <summary>
    /// A camera's status as its connection's last will: <c>{"state": "offline", "reason", "time": null,
    /// "instance"}</c>. The broker sends it when the daemon is gone, at a time the daemon cannot know.
    /// </summary>
    public static byte[] StatusLost(string instance) => Utf8(new JsonObject
    {
        ["state"] = MqttPresence.Offline,
        ["reason"] = $"instance {instance} lost its connection to the broker without stopping (killed, crashed, or cut off)",
        ["time"] = null,
        ["instance"] = instance,
    }.ToJsonString());
}
