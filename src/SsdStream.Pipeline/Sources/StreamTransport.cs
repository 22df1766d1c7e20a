namespace SsdStream.Pipeline.Sources;

/// <summary>How ffmpeg carries an RTSP stream's packets. The first member is the default.</summary>
public enum StreamTransport
{
    /// <summary>Interleaved in the RTSP connection: no packet loss, works through NAT and firewalls.</summary>
    Tcp,

    /// <summary>Separate UDP packets: lower latency on a clean LAN, frames break up when packets are lost.</summary>
    Udp,
}
