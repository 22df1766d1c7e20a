using Ssd.Model.Data.Synthetic;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Publishing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Sources;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Service.Configuration;

/// <summary>
/// The daemon's configuration, bound from the <c>SsdStream</c> section (the README lists every key). Each
/// default lives in exactly one place: here for what only the daemon has, otherwise in the library type
/// the section binds to (<see cref="MqttSettings"/>, <see cref="RecordingSettings"/>,
/// <see cref="BatchingOptions"/>, <see cref="DetectionFilter"/>, <see cref="PostProcessOptions"/>...).
/// </summary>
public sealed class SsdStreamOptions
{
    public const string Section = "SsdStream";

    public InstanceOptions Instance { get; set; } = new();

    public ModelOptions Model { get; set; } = new();

    public BatchingOptions Inference { get; set; } = new();

    public List<CameraOptions> Cameras { get; set; } = [];

    public MqttSettings Mqtt { get; set; } = new();

    public RecordingSettings Recording { get; set; } = new();

    public SsdStream.Pipeline.Events.SnapshotSettings Snapshots { get; set; } = new();

    public EventsOptions Events { get; set; } = new();

    public SsdStream.Service.Web.HttpOptions Http { get; set; } = new();

    /// <summary>Seconds between the live status lines (0: none).</summary>
    public double StatusIntervalSeconds { get; set; } = 5;

    /// <summary>
    /// Seconds the whole stop may take: cameras closed, queued frames processed, last results published,
    /// recordings finalised. Past it, whatever is left is cut off.
    /// </summary>
    public double ShutdownTimeoutSeconds { get; set; } = 10;
}

/// <summary>
/// Which daemon this is among those of a site (<c>SsdStream:Instance</c>): the name in its availability
/// topic, its cameras' status, its stats, its MQTT client id and the events it stores.
/// </summary>
public sealed class InstanceOptions
{
    /// <summary>Letters, digits, '-' and '_'; the host name by default (.NET's, cut at the first dot).</summary>
    public string Name { get; set; } = Environment.MachineName;
}

/// <summary>The events store (<c>SsdStream:Events</c>).</summary>
public sealed class EventsOptions
{
    /// <summary>Keep every event in the store (a history that survives restarts, for <c>ssdstream events</c> and the web page).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The SQLite file; empty: <c>events.db</c> in <c>Recording:Directory</c>. Relative paths start at the content root. Unused with <see cref="ConnectionString"/>.</summary>
    public string Database { get; set; } = "";

    /// <summary>
    /// A PostgreSQL server's connection string in Npgsql's form (<c>Host=db.lan;Database=ssdstream;Username=ssdstream;Password=...</c>),
    /// for a history that several daemons share; empty: the SQLite file <see cref="Database"/>. Never logged or shown.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Whether the store is a PostgreSQL server rather than an SQLite file.</summary>
    public bool UsesServer => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The store these options name, writing events as <paramref name="instance"/> (empty for a reader).</summary>
    public SsdStream.Pipeline.Events.SqlEventStore Open(string instance = "") =>
        UsesServer ? SsdStream.Pipeline.Events.PostgresEventStore.Open(ConnectionString, instance) : SsdStream.Pipeline.Events.SqliteEventStore.Open(Database, instance);

    /// <summary>The configuration key that names the store, for messages.</summary>
    public string Key => UsesServer ? "Events:ConnectionString" : "Events:Database";
}

/// <summary>The model and how it runs (<c>SsdStream:Model</c>).</summary>
public sealed class ModelOptions
{
    private static readonly PostProcessOptions PostProcessDefaults = new();

    /// <summary>Model file (.ssdm) written by import or train, or an .onnx from export-onnx; relative paths start at the content root.</summary>
    public string Path { get; set; } = "";

    /// <summary>auto (ONNX Runtime when it can run the model on the device), torch or onnxruntime.</summary>
    public string Engine { get; set; } = "auto";

    /// <summary>auto (CUDA when present), cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>float16 on CUDA.</summary>
    public bool Half { get; set; }

    /// <summary>CPU threads of the engine: torch's, or ONNX Runtime's intra-op threads (0: one per core).</summary>
    public int Threads { get; set; }

    /// <summary>ONNX Runtime's intra-op threads spin between operators instead of sleeping (off: the decoders keep their cores).</summary>
    public bool Spinning { get; set; }

    /// <summary>ONNX Runtime on a GPU tries TensorRT before CUDA.</summary>
    public bool TensorRt { get; set; }

    /// <summary>Per-class candidate threshold of the post-processor (cameras filter further with Filter:MinScore).</summary>
    public float ScoreThreshold { get; set; } = PostProcessDefaults.ScoreThreshold;

    public float NmsThreshold { get; set; } = PostProcessDefaults.NmsThreshold;

    public int MaxDetections { get; set; } = PostProcessDefaults.MaxDetections;

    /// <summary>How the detector is opened (engine, device, precision, threads).</summary>
    public DetectorSettings Detector => new()
    {
        Engine = InferenceEngines.Parse(Engine),
        Device = Device,
        Half = Half,
        Threads = Threads,
        Spinning = Spinning,
        TensorRt = TensorRt,
    };

    public PostProcessOptions PostProcess => PostProcessDefaults with
    {
        ScoreThreshold = ScoreThreshold,
        NmsThreshold = NmsThreshold,
        MaxDetections = MaxDetections,
    };
}

/// <summary>What a camera is.</summary>
public enum CameraType
{
    /// <summary>A video file, read through OpenCV.</summary>
    File,

    /// <summary>A V4L2 device (/dev/videoN or an index), read through OpenCV.</summary>
    Device,

    /// <summary>A network stream (RTSP, HTTP, UDP...) decoded by an ffmpeg child process.</summary>
    Stream,

    /// <summary>The built-in synthetic test camera.</summary>
    Synthetic,
}

/// <summary>One camera (<c>SsdStream:Cameras:N</c>).</summary>
public sealed class CameraOptions
{
    /// <summary>Camera name: letters, digits, '-' and '_' (used in topics and paths).</summary>
    public string Name { get; set; } = "";

    public CameraType? Type { get; set; }

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

    /// <summary>Streams: RTSP transport.</summary>
    public StreamTransport Transport { get; set; }

    /// <summary>Streams: extra ffmpeg input arguments (hardware decoding).</summary>
    public List<string> InputArguments { get; set; } = [];

    /// <summary>Deliver at most this many frames per second (0: all).</summary>
    public double MaxFps { get; set; }

    /// <summary>A source with no frame for this long is reconnected.</summary>
    public double StallTimeoutSeconds { get; set; } = 10;

    public double ReconnectInitialSeconds { get; set; } = ReconnectPolicy.Default.Initial.TotalSeconds;

    public double ReconnectMaxSeconds { get; set; } = ReconnectPolicy.Default.Max.TotalSeconds;

    /// <summary>
    /// Newest frames waiting for inference; older ones are dropped and counted (1: a live frame waits at most for
    /// the batch in progress, then its own). Files with Realtime off drop nothing: their queue holds at least
    /// Inference:MaxBatch frames and the file waits.
    /// </summary>
    public int QueueCapacity { get; set; } = CameraDefinition.DefaultQueueCapacity;

    public DetectionFilter Filter { get; set; } = new();

    /// <summary>
    /// The tracker's thresholds (README, "Objects and events"). It sees the detections the filter keeps by
    /// label and area at every score down to <see cref="TrackerSettings.LowScore"/>; the filter's
    /// <c>MinScore</c> still decides what the detections message holds.
    /// </summary>
    public TrackerSettings Tracker { get; set; } = new();

    /// <summary>Named areas of the frame (names unique across cameras); an object is in one when the bottom centre of its box is.</summary>
    public List<ZoneSettings> Zones { get; set; } = [];

    /// <summary>Areas where detections are ignored (a detection whose box's bottom centre is inside is dropped).</summary>
    public List<MaskSettings> Masks { get; set; } = [];

    public SyntheticOptions Synthetic { get; set; } = new();
}

/// <summary>The synthetic test camera (<c>SsdStream:Cameras:N:Synthetic</c>).</summary>
public sealed class SyntheticOptions
{
    private static readonly SyntheticSceneOptions SceneDefaults = new();

    public int Width { get; set; } = 640;

    public int Height { get; set; } = 480;

    public double Fps { get; set; } = 10;

    public int Seed { get; set; } = 1;

    /// <summary>Smallest object diameter as a fraction of the frame's short side (the demo model's training range by default).</summary>
    public double MinObjectSize { get; set; } = SceneDefaults.MinSize;

    /// <summary>Largest object diameter as a fraction of the frame's short side.</summary>
    public double MaxObjectSize { get; set; } = SceneDefaults.MaxSize;
}
