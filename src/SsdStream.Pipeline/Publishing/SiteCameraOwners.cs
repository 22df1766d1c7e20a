using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace SsdStream.Pipeline.Publishing;

/// <summary>A camera another instance holds: its name, that instance, and the instance's availability.</summary>
public sealed record CameraOwner(string Camera, string Instance, string Availability);

/// <summary>
/// What the broker's retained messages say about the daemons of a site: which instance runs each camera
/// (the <c>instance</c> of the camera's retained <c>&lt;prefix&gt;/&lt;camera&gt;/status</c>) and how each
/// instance is (its retained <c>&lt;prefix&gt;/&lt;instance&gt;/available</c>). A daemon reads it once at
/// start (<see cref="ReadAsync"/>) to refuse the cameras another instance holds: camera names are unique
/// per site, and two daemons publishing one camera's topics would make its counts, status and events lie.
/// There is no coordinator: the broker's retained state is the site's only shared memory, so two daemons
/// that start within the same second with the same camera may both take it.
/// </summary>
public sealed class SiteCameraOwners
{
    private readonly Dictionary<string, string> _owners;
    private readonly Dictionary<string, string> _availability;

    /// <param name="retained">The retained messages (topic, payload) under the statuses' and availabilities' filters.</param>
    public SiteCameraOwners(MqttTopics topics, IEnumerable<(string Topic, string Payload)> retained)
    {
        _owners = new Dictionary<string, string>(StringComparer.Ordinal);
        _availability = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (topic, payload) in retained)
        {
            if (topics.NameIn(topic, "available") is { } instance)
            {
                if (payload.Length > 0) _availability[instance] = payload;
                else _availability.Remove(instance);
            }
            else if (topics.NameIn(topic, "status") is { } camera)
            {
                if (InstanceOf(payload) is { } owner) _owners[camera] = owner;
                else _owners.Remove(camera);
            }
        }
    }

    /// <summary>
    /// The instance other than <paramref name="instance"/> that holds <paramref name="camera"/>, or null
    /// when the camera is free. An instance holds its cameras while it runs (<c>online</c>) and after it
    /// died without stopping (<c>offline</c>: its service manager restarts it, and it will want them back);
    /// one that stopped cleanly, or that the broker knows nothing of, has let them go.
    /// </summary>
    public CameraOwner? OtherOwner(string camera, string instance)
    {
        if (!_owners.TryGetValue(camera, out var owner) || owner == instance) return null;
        var availability = _availability.GetValueOrDefault(owner, "");
        return availability is MqttPresence.Online or MqttPresence.Offline ? new CameraOwner(camera, owner, availability) : null;
    }

    /// <summary>The cameras whose retained status names <paramref name="instance"/> although it runs none of that name any more.</summary>
    public IReadOnlyList<string> Abandoned(string instance, IEnumerable<string> running)
    {
        var mine = running.ToHashSet(StringComparer.Ordinal);
        return _owners.Where(o => o.Value == instance && !mine.Contains(o.Key)).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Connects as <paramref name="clientId"/> (no will), subscribes to every status and availability, and
    /// takes the retained messages until none came for <paramref name="quiet"/> (at most
    /// <paramref name="limit"/>); then clears (an empty retained message) the status of each camera in
    /// <paramref name="clearAbandoned"/>'s answer, so that its retained status no longer claims a camera
    /// this instance gave up. Throws when the broker cannot be reached or refuses the subscription.
    /// </summary>
    /// <param name="clearAbandoned">Given what was read, the cameras whose status to clear.</param>
    public static async Task<SiteCameraOwners> ReadAsync(MqttSettings settings, MqttEndpoint endpoint, MqttTopics topics, string clientId,
        Func<SiteCameraOwners, IReadOnlyList<string>> clearAbandoned, TimeSpan quiet, TimeSpan limit, CancellationToken cancellation)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var received = new ConcurrentQueue<(string Topic, string Payload)>();
        long lastTicks = DateTime.UtcNow.Ticks;
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            Interlocked.Exchange(ref lastTicks, DateTime.UtcNow.Ticks);
            return Task.CompletedTask;
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(limit + MqttClientOptionsFactory.ConnectTimeout);
        await client.ConnectAsync(MqttClientOptionsFactory.Create(settings, endpoint, clientId), deadline.Token).ConfigureAwait(false);
        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(topics.EveryStatus, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(topics.EveryAvailable, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), deadline.Token).ConfigureAwait(false);
        var refused = subscribed.Items.FirstOrDefault(i => (int)i.ResultCode >= 0x80);
        if (refused != null) throw new InvalidOperationException($"the broker refused the subscription to {refused.TopicFilter.Topic} ({refused.ResultCode})");
        var start = DateTime.UtcNow;
        Interlocked.Exchange(ref lastTicks, start.Ticks);
        while (DateTime.UtcNow - start < limit && DateTime.UtcNow - new DateTime(Interlocked.Read(ref lastTicks), DateTimeKind.Utc) < quiet)
        {
            await Task.Delay(50, cancellation).ConfigureAwait(false);
        }
        var site = new SiteCameraOwners(topics, received.ToArray());
        foreach (var camera in clearAbandoned(site))
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topics.Status(camera)).WithPayload(Array.Empty<byte>())
                .WithRetainFlag(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), deadline.Token).ConfigureAwait(false);
        }
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), deadline.Token).ConfigureAwait(false);
        return site;
    }

    /// <summary>The <c>instance</c> a status payload names, or null (an empty or foreign payload, or a status of an ssdstream before instances).</summary>
    private static string? InstanceOf(string payload)
    {
        if (payload.Length == 0) return null;
        try
        {
            return JsonNode.Parse(payload) is JsonObject o && o["instance"] is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0 ? name : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
