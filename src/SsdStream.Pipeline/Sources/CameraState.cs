namespace SsdStream.Pipeline.Sources;

/// <summary>Where a camera's connection stands.</summary>
public enum CameraState
{
    Connecting,
    Streaming,
    BackingOff,
    Stopped,
}

/// <summary>A change of a camera's state, with the reason (safe to log: no credentials).</summary>
public sealed record CameraStateChange(string CameraId, CameraState State, string Reason, DateTimeOffset Time);
