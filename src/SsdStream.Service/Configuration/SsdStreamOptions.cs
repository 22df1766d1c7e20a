namespace SsdStream.Service.Configuration;

/// <summary>The daemon's configuration, bound from the <c>SsdStream</c> section (see README for every key).</summary>
public sealed class SsdStreamOptions
{
    public const string Section = "SsdStream";

    public ModelOptions Model { get; set; } = new();

    public InferenceOptions Inference { get; set; } = new();

    public List<CameraOptions> Cameras { get; set; } = [];

    public MqttOptions Mqtt { get; set; } = new();

    public RecordingOptions Recording { get; set; } = new();

    /// <summary>Seconds between the live status lines (0: none).</summary>
    public double StatusIntervalSeconds { get; set; } = 5;

    /// <summary>Seconds a stop may take: cameras closed, last results published, recordings finalised.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 10;
}

public sealed class ModelOptions
{
    /// <summary>Model file (.ssdm) written by import or train; relative paths start at the content root.</summary>
    public string Path { get; set; } = "";

    /// <summary>auto (CUDA when present), cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>float16 on CUDA.</summary>
    public bool Half { get; set; }

    /// <summary>torch CPU threads (0: libtorch's default, one per core).</summary>
    public int Threads { get; set; }

    /// <summary>Per-class candidate threshold of the post-processor (cameras filter further with MinScore).</summary>
    public float ScoreThreshold { get; set; } = 0.3f;

    public float NmsThreshold { get; set; } = 0.45f;

    public int MaxDetections { get; set; } = 100;
}

public sealed class InferenceOptions
{
    public int MaxBatch { get; set; } = 8;

    /// <summary>Milliseconds to wait for more frames to fill a batch once one is there.</summary>
    public double MaxWaitMs { get; set; }
}

public sealed class CameraOptions
{
    /// <summary>Camera name: letters, digits, '-' and '_' (used in topics and paths).</summary>
    public string Name { get; set; } = "";

    /// <summary>file, device, stream or synthetic.</summary>
    public string Type { get; set; } = "";

    /// <summary>File path, device (/dev/video0 or an index) or stream URL; unused by synthetic.</summary>
    public string Source { get; set; } = "";

    public bool Enabled { get; set; } = true;

    /// <summary>Files: start again at the end.</summary>
    public bool Loop { get; set; }

    /// <summary>
    /// Files: play at their frame rate, as a camera would (frames inference cannot keep up with are
    /// dropped). Off: read as fast as inference takes frames, and process every one.
    /// </summary>
    public bool Realtime { get; set; } = true;

    /// <summary>Streams: tcp or udp (RTSP).</summary>
    public string Transport { get; set; } = "tcp";

    /// <summary>Streams: extra ffmpeg input arguments (hardware decoding).</summary>
    public List<string> InputArguments { get; set; } = [];

    /// <summary>Deliver at most this many frames per second (0: all).</summary>
    public double MaxFps { get; set; }

    /// <summary>A stream with no frame for this long is reconnected.</summary>
    public double StallTimeoutSeconds { get; set; } = 10;

    public double ReconnectInitialSeconds { get; set; } = 1;

    public double ReconnectMaxSeconds { get; set; } = 30;

    /// <summary>
    /// Newest frames waiting for inference; older ones are dropped and counted. (Files with Realtime off
    /// drop nothing: their queue holds at least Inference:MaxBatch frames and the file waits.)
    /// </summary>
    public int QueueCapacity { get; set; } = 2;

    public FilterOptions Filter { get; set; } = new();

    public SyntheticOptions Synthetic { get; set; } = new();
}

public sealed class FilterOptions
{
    public float MinScore { get; set; } = 0.5f;

    /// <summary>Only these labels (empty: all).</summary>
    public List<string> Labels { get; set; } = [];

    public List<string> ExcludeLabels { get; set; } = [];

    /// <summary>Smallest box area in pixels of the frame.</summary>
    public float MinArea { get; set; }
}

public sealed class SyntheticOptions
{
    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    public double Fps { get; set; } = 10;

    public int Seed { get; set; } = 1;

    /// <summary>Smallest object diameter as a fraction of the frame's short side (the demo model's training range by default).</summary>
    public double MinObjectSize { get; set; } = new Ssd.Model.Data.Synthetic.SyntheticSceneOptions().MinSize;

    /// <summary>Largest object diameter as a fraction of the frame's short side.</summary>
    public double MaxObjectSize { get; set; } = new Ssd.Model.Data.Synthetic.SyntheticSceneOptions().MaxSize;
}

public sealed class MqttOptions
{
    /// <summary>Broker host; empty starts the embedded broker on 127.0.0.1:EmbeddedPort.</summary>
    public string Host { get; set; } = "";

    public int Port { get; set; } = 1883;

    public int EmbeddedPort { get; set; } = 1883;

    public TlsOptions Tls { get; set; } = new();

    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    public string ClientId { get; set; } = "ssdstream";

    public double KeepAliveSeconds { get; set; } = 30;

    public int Qos { get; set; } = 1;

    public string TopicPrefix { get; set; } = "ssdstream";

    public bool PublishEmptyFrames { get; set; }

    public double StatsIntervalSeconds { get; set; } = 10;

    public int OutboxSize { get; set; } = 1000;

    public HomeAssistantOptions HomeAssistant { get; set; } = new();
}

public sealed class TlsOptions
{
    public bool Enabled { get; set; }

    public string CaFile { get; set; } = "";

    public string ClientCertificate { get; set; } = "";

    public string ClientKey { get; set; } = "";

    public bool AllowUntrusted { get; set; }
}

public sealed class HomeAssistantOptions
{
    public bool Enabled { get; set; } = true;

    public string DiscoveryPrefix { get; set; } = "homeassistant";
}

public sealed class RecordingOptions
{
    public bool Enabled { get; set; }

    /// <summary>Root of the recordings: &lt;Directory&gt;/&lt;camera&gt;/&lt;yyyy-MM-dd&gt;/&lt;HH-mm-ss&gt;.mp4.</summary>
    public string Directory { get; set; } = "recordings";

    /// <summary>continuous or events.</summary>
    public string Mode { get; set; } = "continuous";

    public double SegmentSeconds { get; set; } = 60;

    /// <summary>Events mode: labels that start an event (empty: any).</summary>
    public List<string> EventLabels { get; set; } = [];

    public float EventMinScore { get; set; } = 0.5f;

    public double PreRollSeconds { get; set; } = 5;

    public double PostRollSeconds { get; set; } = 5;

    /// <summary>Segments older than this are deleted (0: keep).</summary>
    public double MaxAgeHours { get; set; } = 72;

    /// <summary>Total size per camera in MiB before the oldest segments go (0: no limit).</summary>
    public double MaxSizeMb { get; set; } = 2048;

    public double RetentionCheckSeconds { get; set; } = 60;

    /// <summary>Frames the recorder may fall behind before it drops frames.</summary>
    public int QueueFrames { get; set; } = 120;

    /// <summary>Path of ffmpeg for H.264 (empty: look on PATH; none: OpenCV's mp4v).</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";
}
