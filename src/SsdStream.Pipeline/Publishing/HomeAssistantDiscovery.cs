using System.Text.Json.Nodes;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Home Assistant MQTT discovery: per camera and label, and per zone and label, a count sensor and an
/// occupancy binary sensor, and one status sensor per camera, all bound for availability to their
/// instance's <c>&lt;prefix&gt;/&lt;instance&gt;/available</c>, so that the entities of a daemon that dies go
/// unavailable while another daemon's stay. Unique ids are made of the prefix and the camera or zone
/// name, which are unique per site: unique across instances, and the same when a camera moves to
/// another instance (Home Assistant keeps its history). A zone's sensors belong to its camera's device.
/// </summary>
public static class HomeAssistantDiscovery
{
    public static IEnumerable<(string Topic, JsonObject Config)> Configs(string discoveryPrefix, MqttTopics topics, string camera, IReadOnlyList<string> labels, string deviceName)
    {
        string node = Id(topics.Prefix);
        string cam = Id(camera);
        foreach (var config in LabelSensors(discoveryPrefix, topics, camera, deviceName, cam, "", labels, label => topics.LabelCount(camera, label))) yield return config;
        yield return ($"{discoveryPrefix}/sensor/{node}/{cam}_status/config", Common(topics, camera, deviceName, $"{node}_{cam}_status", "status", topics.Status(camera), o =>
        {
            o["value_template"] = "{{ value_json.state }}";
            o["json_attributes_topic"] = topics.Status(camera);
            o["icon"] = "mdi:cctv";
        }));
    }

    /// <summary>A zone's count sensor and occupancy binary sensor per label it counts.</summary>
    public static IEnumerable<(string Topic, JsonObject Config)> ZoneConfigs(string discoveryPrefix, MqttTopics topics, string camera, string zone, IReadOnlyList<string> labels, string deviceName) =>
        LabelSensors(discoveryPrefix, topics, camera, deviceName, Id(zone), $"{zone} ", labels, label => topics.ZoneCount(zone, label));

    /// <summary>
    /// Per label, a count sensor and an occupancy binary sensor on the count topic <paramref name="state"/>
    /// gives; ids start with <paramref name="idPrefix"/> (camera or zone), names with <paramref name="namePrefix"/>.
    /// </summary>
    private static IEnumerable<(string Topic, JsonObject Config)> LabelSensors(string discoveryPrefix, MqttTopics topics, string camera, string deviceName,
        string idPrefix, string namePrefix, IReadOnlyList<string> labels, Func<string, string> state)
    {
        string node = Id(topics.Prefix);
        foreach (var label in labels)
        {
            string l = Id(label);
            var topic = state(label);
            yield return ($"{discoveryPrefix}/sensor/{node}/{idPrefix}_{l}_count/config", Common(topics, camera, deviceName, $"{node}_{idPrefix}_{l}_count", $"{namePrefix}{label} count", topic, o =>
            {
                o["unit_of_measurement"] = "objects";
                o["state_class"] = "measurement";
                o["icon"] = "mdi:counter";
            }));
            yield return ($"{discoveryPrefix}/binary_sensor/{node}/{idPrefix}_{l}/config", Common(topics, camera, deviceName, $"{node}_{idPrefix}_{l}", $"{namePrefix}{label}", topic, o =>
            {
                o["value_template"] = "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}";
                o["device_class"] = "occupancy";
            }));
        }
    }

    private static JsonObject Common(MqttTopics topics, string camera, string deviceName, string uniqueId, string name, string stateTopic, Action<JsonObject> extra)
    {
        var o = new JsonObject
        {
            ["name"] = name,
            ["unique_id"] = uniqueId,
            ["object_id"] = uniqueId,
            ["state_topic"] = stateTopic,
            ["availability"] = new JsonArray(new JsonObject
            {
                ["topic"] = topics.Available,
                ["payload_available"] = MqttPresence.Online,
                ["payload_not_available"] = MqttPresence.Offline,
                // "stopped" (a clean stop) counts as not available too.
                ["value_template"] = "{{ 'online' if value == 'online' else 'offline' }}",
            }),
            ["availability_mode"] = "latest",
            ["device"] = new JsonObject
            {
                ["identifiers"] = new JsonArray((JsonNode)$"{Id(topics.Prefix)}_{Id(camera)}"),
                ["name"] = $"{deviceName} {camera}",
                ["manufacturer"] = "SsdStream",
                ["model"] = "SSD object detection",
            },
        };
        extra(o);
        return o;
    }

    /// <summary>A string as a Home Assistant id: lower-case letters, digits and underscores.</summary>
    public static string Id(string s) => new(s.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
