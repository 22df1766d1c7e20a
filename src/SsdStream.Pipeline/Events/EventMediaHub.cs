using SsdStream.Pipeline.Recording;

namespace SsdStream.Pipeline.Events;

/// <summary>
/// Where the recorder's closed segments meet the cameras' event media, and where events with their media
/// go to be stored: one per daemon. Thread-safe.
/// </summary>
public sealed class EventMediaHub
{
    private readonly Dictionary<string, CameraEventMedia> _cameras = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Receives every event with its media (and ended events again with their clip), for the events store.</summary>
    public event Action<EventWithMedia>? Stored;

    public void Register(string camera, CameraEventMedia media)
    {
        lock (_lock) _cameras[camera] = media;
    }

    /// <summary>A closed segment: maps it to the events it covers; returns their ids.</summary>
    public IReadOnlyList<string> OnSegment(RecordedSegment segment)
    {
        CameraEventMedia? media;
        lock (_lock) media = _cameras.GetValueOrDefault(segment.Camera);
        return media?.OnSegment(segment) ?? [];
    }

    /// <summary>
    /// A camera's recorder has ended (the stop, or the camera's end) after closing its last segment: ended
    /// events complete with the recording they have, since no more of it will come.
    /// </summary>
    public void OnRecordingEnded(string camera)
    {
        CameraEventMedia? media;
        lock (_lock) media = _cameras.GetValueOrDefault(camera);
        media?.OnRecordingEnded();
    }

    /// <summary>Hands an event with its media to the store, if one listens.</summary>
    public void Store(EventWithMedia e) => Stored?.Invoke(e);
}
