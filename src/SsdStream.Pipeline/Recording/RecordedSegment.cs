namespace SsdStream.Pipeline.Recording;

/// <summary>A closed, complete segment: its video, its sidecar of detections, and what it holds.</summary>
public sealed record RecordedSegment(string Camera, string VideoPath, string SidecarPath, DateTimeOffset Start, DateTimeOffset End, int Frames, IReadOnlyList<string> Labels);
