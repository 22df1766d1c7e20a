using Microsoft.Extensions.Logging;
using SsdStream.Pipeline.Publishing;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Hosting;

/// <summary>
/// Which of its cameras this daemon runs, decided once before any part starts. Camera names are unique per
/// site; when the broker's retained state (<see cref="SiteCameraOwners"/>) shows another instance holding a
/// camera of this configuration, that camera is refused: an error names it and both instances, and the
/// daemon runs its other cameras as if the refused one were disabled (no source, no topics, no
/// recordings, no events) until it restarts. With every camera refused there is nothing to run: a
/// configuration error (exit 78, which the service manager does not restart into the same refusal). A
/// broker that cannot be asked does not stop the start: every camera runs, with a warning. The embedded
/// broker is this daemon's own, so there is nothing to ask.
/// </summary>
public sealed partial class CameraClaims(SsdStreamOptions options, MqttTopics topics, ILogger<CameraClaims> logger)
{
    /// <summary>How long the retained messages may pause before the look at the site ends.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest the look at the site takes once subscribed.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="camera"/> is held by another instance (valid once <see cref="CheckAsync"/> ran).</summary>
    public bool IsRefused(string camera) => _refused.Contains(camera);

    /// <summary>Looks at the site and refuses the cameras other instances hold; false when none is left to run.</summary>
    public async Task<bool> CheckAsync(CancellationToken cancellation)
    {
        if (options.Mqtt.UsesEmbeddedBroker) return true;
        var instance = topics.Instance;
        var enabled = options.Cameras.Where(c => c.Enabled).Select(c => c.Name).ToList();
        SiteCameraOwners site;
        try
        {
            site = await SiteCameraOwners.ReadAsync(options.Mqtt, MqttEndpoint.Configured(options.Mqtt), topics, options.Mqtt.ClientIdOf(instance) + "-check",
                s => s.Abandoned(instance, enabled), Quiet, Limit, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested && e is not OutOfMemoryException)
        {
            LogNotChecked(logger, MqttEndpoint.Configured(options.Mqtt).ToString(), e.Message);
            return true;
        }
        foreach (var gone in site.Abandoned(instance, enabled)) LogCleared(logger, gone, instance);
        for (int i = 0; i < options.Cameras.Count; i++)
        {
            var camera = options.Cameras[i];
            if (!camera.Enabled || site.OtherOwner(camera.Name, instance) is not { } owner) continue;
            _refused.Add(camera.Name);
            LogRefused(logger, camera.Name, owner.Instance, owner.Availability, instance, $"{SsdStreamOptions.Section}:Cameras:{i}:Name");
        }
        if (_refused.Count < enabled.Count) return true;
        LogNothingLeft(logger, instance);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "camera '{Camera}' belongs to instance '{Owner}' ({Availability} on the broker); instance '{Instance}' refuses it and runs its other cameras without it. Camera names are unique per site: remove or rename it in one of the two configurations ({Key})")]
    private static partial void LogRefused(ILogger logger, string camera, string owner, string availability, string instance, string key);

    [LoggerMessage(Level = LogLevel.Critical, Message = "every camera of instance '{Instance}' belongs to another instance; nothing to run")]
    private static partial void LogNothingLeft(ILogger logger, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not ask the broker {Broker} which instance runs which camera ({Reason}); running every camera of this configuration")]
    private static partial void LogNotChecked(ILogger logger, string broker, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "camera '{Camera}' is no longer in instance '{Instance}''s configuration; its retained status was cleared, so another instance may take it")]
    private static partial void LogCleared(ILogger logger, string camera, string instance);
}
