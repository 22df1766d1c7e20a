namespace SsdStream.Pipeline.Publishing;

/// <summary>The topic layout under a prefix: our public API, kept in one place and built once per daemon.</summary>
public sealed class MqttTopics(string prefix)
{
    public string Prefix { get; } = prefix.TrimEnd('/');

    /// <summary>Retained <c>online</c>; <c>offline</c> as the last will; <c>stopped</c> on a clean stop.</summary>
    public string Available => $"{Prefix}/available";

    /// <summary>Every processed frame with detections (and empty frames when configured).</summary>
    public string Detections(string camera) => $"{Prefix}/{camera}/detections";

    /// <summary>Retained count of a camera's current objects of a label, published when it changes.</summary>
    public string LabelCount(string camera, string label) => $"{Prefix}/{camera}/{Sanitise(label)}";

    /// <summary>Object events (<c>new</c>, <c>update</c>, <c>end</c>), as Frigate's <c>frigate/events</c>; not retained.</summary>
    public string Events => $"{Prefix}/events";

    /// <summary>Retained count of a zone's current objects of a label (zone names are unique across cameras).</summary>
    public string ZoneCount(string zone, string label) => $"{Prefix}/{zone}/{Sanitise(label)}";

    /// <summary>Retained JPEG of the latest best snapshot of an object of that label.</summary>
    public string Snapshot(string camera, string label) => $"{Prefix}/{camera}/{Sanitise(label)}/snapshot";

    /// <summary>Retained camera state with its reason.</summary>
    public string Status(string camera) => $"{Prefix}/{camera}/status";

    /// <summary>Closed recording segments.</summary>
    public string Recordings(string camera) => $"{Prefix}/{camera}/recordings";

    /// <summary>Periodic statistics.</summary>
    public string Stats => $"{Prefix}/stats";

    /// <summary>A label as a topic level: lower case, spaces as underscores, no MQTT wildcards.</summary>
    public static string Sanitise(string label) =>
        new(label.Trim().ToLowerInvariant().Select(c => c is ' ' or '/' or '+' or '#' ? '_' : c).ToArray());
}
