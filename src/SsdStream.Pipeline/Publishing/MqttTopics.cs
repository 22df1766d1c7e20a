namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// The topic layout under a prefix that every daemon (instance) of a site shares: our public API, kept in
/// one place and built once per daemon. Cameras and zones are named once per site, so their topics never
/// collide between instances; each instance has its own availability.
/// </summary>
public sealed class MqttTopics(string prefix, string instance)
{
    public string Prefix { get; } = prefix.TrimEnd('/');

    /// <summary>This daemon's instance name (<c>Instance:Name</c>).</summary>
    public string Instance { get; } = instance;

    /// <summary>This instance's availability: retained <c>online</c>; <c>offline</c> as the last will; <c>stopped</c> on a clean stop.</summary>
    public string Available => AvailableOf(Instance);

    /// <summary>The availability topic of any instance of the site.</summary>
    public string AvailableOf(string instance) => $"{Prefix}/{instance}/available";

    /// <summary>Every instance's availability (a subscription filter).</summary>
    public string EveryAvailable => $"{Prefix}/+/available";

    /// <summary>Every camera's status (a subscription filter).</summary>
    public string EveryStatus => $"{Prefix}/+/status";

    /// <summary>Every processed frame with detections (and empty frames when configured).</summary>
    public string Detections(string camera) => $"{Prefix}/{camera}/detections";

    /// <summary>Retained count of a camera's current objects of a label, published when it changes.</summary>
    public string LabelCount(string camera, string label) => $"{Prefix}/{camera}/{Sanitise(label)}";

    /// <summary>Object events (<c>new</c>, <c>update</c>, <c>end</c>) of every instance, as Frigate's <c>frigate/events</c>; not retained.</summary>
    public string Events => $"{Prefix}/events";

    /// <summary>Retained count of a zone's current objects of a label (zone names are unique across cameras).</summary>
    public string ZoneCount(string zone, string label) => $"{Prefix}/{zone}/{Sanitise(label)}";

    /// <summary>Retained JPEG of the latest best snapshot of an object of that label.</summary>
    public string Snapshot(string camera, string label) => $"{Prefix}/{camera}/{Sanitise(label)}/snapshot";

    /// <summary>Retained camera state with its reason and instance.</summary>
    public string Status(string camera) => $"{Prefix}/{camera}/status";

    /// <summary>Closed recording segments.</summary>
    public string Recordings(string camera) => $"{Prefix}/{camera}/recordings";

    /// <summary>Periodic statistics of every instance (each message names its own).</summary>
    public string Stats => $"{Prefix}/stats";

    /// <summary>The name in the middle of <c>&lt;prefix&gt;/&lt;name&gt;/&lt;last&gt;</c>, or null for another topic.</summary>
    public string? NameIn(string topic, string last)
    {
        var start = Prefix + "/";
        var end = "/" + last;
        if (!topic.StartsWith(start, StringComparison.Ordinal) || !topic.EndsWith(end, StringComparison.Ordinal) || topic.Length <= start.Length + end.Length) return null;
        var name = topic[start.Length..^end.Length];
        return name.Contains('/', StringComparison.Ordinal) ? null : name;
    }

    /// <summary>A label as a topic level: lower case, spaces as underscores, no MQTT wildcards.</summary>
    public static string Sanitise(string label) =>
        new(label.Trim().ToLowerInvariant().Select(c => c is ' ' or '/' or '+' or '#' ? '_' : c).ToArray());
}
