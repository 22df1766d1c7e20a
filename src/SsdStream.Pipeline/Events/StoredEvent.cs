using System.Text;
using System.Text.Json;
using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// An event as the store keeps it: its object as last written (every field of <see cref="ObjectSnapshot"/>:
/// boxes [x1, y1, x2, y2] in pixels and in 0..1 of the frame, times to the millisecond), the files that
/// show it, whether a user marked it to be kept past retention, and the daemon instance that wrote it.
/// </summary>
public sealed record StoredEvent(ObjectSnapshot Object, EventMedia Media, bool Retain)
{
    /// <summary>The daemon instance (<c>Instance:Name</c>) that wrote the event; empty for events stored before instances existed.</summary>
    public string Instance { get; init; } = "";

    public string Id => Object.Id;

    public string Camera => Object.Camera;

    public string Label => Object.Label;

    public DateTimeOffset StartTime => Object.StartTime;

    public DateTimeOffset? EndTime => Object.EndTime;

    /// <summary>Not ended yet (or not yet known to have ended).</summary>
    public bool InProgress => Object.EndTime is null;

    public bool HasSnapshot => Media.HasSnapshot;

    public bool HasClip => Media.HasClip;

    /// <summary>
    /// The object's JSON (<see cref="ObjectJson"/>: the fields of <c>frigate/events</c>' <c>after</c>) with
    /// <c>has_snapshot</c> and <c>has_clip</c> from the media and <c>snapshot</c> the saved snapshot's frame
    /// time and box when there is one, then <c>snapshot_path</c>,
    /// <c>clean_snapshot_path</c>, <c>clip_path</c> (null when absent), <c>segments</c>
    /// (<c>[{"path", "start_offset", "end_offset"}]</c>, seconds into each segment), <c>retain</c> and <c>instance</c>.
    /// </summary>
    public void WriteJson(Utf8JsonWriter w) => ObjectJson.Write(w, Object, HasSnapshot, HasClip, Media.SnapshotOf, more =>
    {
        more.WriteString("snapshot_path", Media.Snapshot);
        more.WriteString("clean_snapshot_path", Media.CleanSnapshot);
        more.WriteString("clip_path", Media.Clip);
        more.WriteStartArray("segments");
        foreach (var s in Media.Segments)
        {
            more.WriteStartObject();
            more.WriteString("path", s.Path);
            more.WriteNumber("start_offset", Math.Round(s.StartOffsetSeconds, 3));
            more.WriteNumber("end_offset", Math.Round(s.EndOffsetSeconds, 3));
            more.WriteEndObject();
        }
        more.WriteEndArray();
        more.WriteBoolean("retain", Retain);
        more.WriteString("instance", Instance);
    });

    /// <summary><see cref="WriteJson"/> as text: one line, or indented for people.</summary>
    public string ToJson(bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented })) WriteJson(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
