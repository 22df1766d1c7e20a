namespace SsdStream.Pipeline.Sources;

/// <summary>Where a camera's connection stands.</summary>
public enum CameraState
{
    Connecting,
    Streaming,
    BackingOff,
    Stopped,
}

/// <summary>The names users see.</summary>
public static class CameraStateNames
{
    /// <summary>
    /// The public name of a camera state, the same in the log, the live line and MQTT: connecting and
    /// backing off are both "reconnecting".
    /// </summary>
    public static string PublicName(this CameraState state) => state switch
    {
        CameraState.Streaming => "streaming",
        CameraState.Stopped => "stopped",
        _ => "reconnecting",
    };
}

/// <summary>A change of a camera's state, with the reason (safe to log: no credentials).</summary>
public sealed record CameraStateChange(string CameraId, CameraState State, string Reason, DateTimeOffset Time);
