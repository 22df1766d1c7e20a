namespace SsdStream.Pipeline.Publishing;

/// <summary>A message waiting to go to the broker.</summary>
/// <param name="ExpirySeconds">MQTT 5 message expiry: a broker holding it for a subscriber that is away drops it after this long (0: never).</param>
public sealed record OutgoingMessage(string Topic, byte[] Payload, bool Retain, int Qos, uint ExpirySeconds = 0);
