using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using SsdStream.Pipeline.Results;

namespace SsdStream.Pipeline.Recording;

/// <summary>
/// One segment being written: <c>&lt;root&gt;/&lt;camera&gt;/&lt;yyyy-MM-dd&gt;/&lt;HH-mm-ss&gt;.mp4</c> (UTC of its
/// first frame) with a sidecar <c>.jsonl</c> of each frame's detections and time. Both are written
/// under a <c>.part</c> name (<c>HH-mm-ss.part.mp4</c>) and renamed when the segment closes, so a
/// complete-looking file is always complete; a segment cut off by a crash keeps its <c>.part</c> name.
/// </summary>
public sealed class SegmentWriter : IDisposable
{
    public const string PartMarker = ".part";

    private readonly ISegmentEncoder _encoder;
    private readonly StreamWriter _sidecar;
    private readonly HashSet<string> _labels = new(StringComparer.Ordinal);
    private bool _closed;

    private SegmentWriter(string camera, string videoPath, string sidecarPath, ISegmentEncoder encoder, StreamWriter sidecar, DateTimeOffset start, OpenCvSharp.Size size)
    {
        Camera = camera;
        Size = size;
        VideoPath = videoPath;
        SidecarPath = sidecarPath;
        _encoder = encoder;
        _sidecar = sidecar;
        Start = start;
        End = start;
    }

    public string Camera { get; }

    public string VideoPath { get; }

    public string SidecarPath { get; }

    public DateTimeOffset Start { get; }

    /// <summary>The frame size the video is encoded at; every frame written must have it.</summary>
    public OpenCvSharp.Size Size { get; }

    public DateTimeOffset End { get; private set; }

    public int Frames { get; private set; }

    /// <summary>The name a file has while it is written: <c>x.mp4</c> is written as <c>x.part.mp4</c> (encoders pick the container by extension).</summary>
    public static string PartName(string path) => Path.ChangeExtension(path, PartMarker + Path.GetExtension(path));

    /// <summary>Whether a file name is that of a file still being written (or cut off by a crash).</summary>
    public static bool IsPart(string path) => Path.GetFileNameWithoutExtension(path).EndsWith(PartMarker, StringComparison.Ordinal);

    /// <summary>
    /// Deletes the files under <paramref name="folder"/> that an earlier run was still writing when it died
    /// (<c>*.part.*</c>: a segment without its index, half a snapshot), so that every recording and
    /// snapshot that remains plays or decodes. Call before anything writes there. Returns how many went.
    /// </summary>
    public static int RemoveUnfinished(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*" + PartMarker + ".*", SearchOption.AllDirectories).Where(IsPart).ToList())
        {
            try
            {
                File.Delete(file);
                removed++;
            }
            catch (IOException)
            {
            }
        }
        return removed;
    }

    private const string DayFormat = "yyyy-MM-dd";
    private const string TimeFormat = "HH-mm-ss";

    /// <summary>The video path of a segment of <paramref name="camera"/> starting at <paramref name="start"/>.</summary>
    public static string PathFor(string root, string camera, DateTimeOffset start) =>
        Path.Combine(root, camera, DayFolder(start), start.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + ".mp4");

    /// <summary>A segment's start read back from its path (<see cref="PathFor"/>'s day folder and file name); false for another file.</summary>
    public static bool TryStartOf(string video, out DateTimeOffset start) =>
        DateTimeOffset.TryParseExact($"{Path.GetFileName(Path.GetDirectoryName(video))} {Path.GetFileNameWithoutExtension(video)}", $"{DayFormat} {TimeFormat}",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out start);

    /// <summary>The name of the folder a segment starting at <paramref name="time"/> goes into: its UTC date, <c>yyyy-MM-dd</c>.</summary>
    public static string DayFolder(DateTimeOffset time) => time.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture);

    public static SegmentWriter Open(ISegmentEncoderFactory encoders, string root, string camera, DateTimeOffset start, int width, int height, double fps)
    {
        var video = PathFor(root, camera, start);
        // Two segments cannot start in the same second; should it happen, keep both.
        for (int n = 1; File.Exists(video); n++) video = Path.ChangeExtension(PathFor(root, camera, start), null) + $"-{n}.mp4";
        var sidecar = Path.ChangeExtension(video, ".jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(video)!);
        var encoder = encoders.Open(PartName(video), width, height, fps);
        try
        {
            var writer = new StreamWriter(PartName(sidecar), append: false, new System.Text.UTF8Encoding(false));
            return new SegmentWriter(camera, video, sidecar, encoder, writer, start, new OpenCvSharp.Size(width, height));
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>Appends an annotated frame and its sidecar line.</summary>
    public void Write(Mat annotated, long sequence, DateTimeOffset captureTime, long? resultSequence, IReadOnlyList<PixelDetection> detections)
    {
        _encoder.Write(annotated);
        using (var json = new Utf8JsonWriter(_sidecar.BaseStream))
        {
            json.WriteStartObject();
            json.WriteNumber("frame", Frames);
            json.WriteNumber("sequence", sequence);
            json.WriteString("time", Publishing.MqttPayloads.Time(captureTime));
            if (resultSequence is { } rs) json.WriteNumber("result_sequence", rs);
            else json.WriteNull("result_sequence");
            DetectionJson.WriteArray(json, detections);
            foreach (var d in detections) _labels.Add(d.Label);
            json.WriteEndObject();
        }
        _sidecar.BaseStream.WriteByte((byte)'\n');
        Frames++;
        End = captureTime;
    }

    /// <summary>
    /// Finishes the video and sidecar and gives them their final names. When that fails (the encoder
    /// failed, the disk is full) it throws and the segment is still open: <see cref="Dispose"/> then
    /// stops the encoder and removes the partial files.
    /// </summary>
    public RecordedSegment Close()
    {
        _sidecar.Flush();
        _sidecar.Dispose();
        _encoder.Finish();
        _encoder.Dispose();
        File.Move(PartName(VideoPath), VideoPath, overwrite: true);
        File.Move(PartName(SidecarPath), SidecarPath, overwrite: true);
        _closed = true;
        return new RecordedSegment(Camera, VideoPath, SidecarPath, Start, End, Frames, _labels.Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>Abandons an unfinished segment (a full disk, say): its partial files are removed.</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        try { _sidecar.Dispose(); } catch (IOException) { }
        _encoder.Dispose();
        foreach (var f in new[] { PartName(VideoPath), PartName(SidecarPath) })
        {
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
