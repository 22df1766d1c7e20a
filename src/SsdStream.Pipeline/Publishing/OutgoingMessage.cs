namespace SsdStream.Pipeline.Publishing;

/// <summary>A message waiting to go to the broker.</summary>
public sealed record OutgoingMessage(string Topic, byte[] Payload, bool Retain, int Qos);
