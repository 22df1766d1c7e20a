namespace SsdStream.Pipeline.Frames;

/// <summary>How a camera's frames wait for inference when inference is busy.</summary>
public enum FrameDelivery
{
    /// <summary>
    /// Live sources (cameras, streams, files played in real time): only the newest frames wait; older ones
    /// are dropped, disposed and counted, so latency never grows.
    /// </summary>
    Newest,

    /// <summary>
    /// Files read as fast as they decode: the source waits for room in the queue, so every frame is
    /// processed, none is dropped, and nothing is decoded that inference will not use.
    /// </summary>
    Every,
}
