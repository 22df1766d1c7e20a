using System.Buffers.Binary;
using System.Numerics;

namespace Ssd.Model.Tests;

/// <summary>
/// Reads a TensorBoard events file the way TensorBoard does, independently of the code that wrote it:
/// TFRecord frames (the data's length as a little-endian u64, the masked CRC-32C of those 8 bytes, the
/// data, the masked CRC-32C of the data), every CRC checked, each frame's data parsed as TensorFlow's
/// <c>Event</c> protobuf (TorchSharp ships the generated classes).
/// </summary>
public static class TensorBoardEventFile
{
    /// <summary>The one events file in <paramref name="directory"/>.</summary>
    public static string In(string directory) => Assert.Single(Directory.GetFiles(directory, "events.out.tfevents.*"));

    /// <summary>
    /// The events of every frame. A last frame cut short (a writer killed while writing it) is left out when
    /// <paramref name="allowCutTail"/>, else it fails the test; a frame with a wrong CRC always fails.
    /// </summary>
    public static List<Tensorboard.Event> Read(string path, bool allowCutTail = false)
    {
        var bytes = File.ReadAllBytes(path);
        var events = new List<Tensorboard.Event>();
        int o = 0;
        while (o < bytes.Length)
        {
            if (bytes.Length - o < 12) return CutTail(events, allowCutTail, o, bytes.Length);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(o));
            Assert.True(Masked(bytes.AsSpan(o, 8)) == BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(o + 8)), $"length CRC of the frame at byte {o}");
            if ((ulong)(bytes.Length - o - 12) < length + 4) return CutTail(events, allowCutTail, o, bytes.Length);
            var data = bytes.AsSpan(o + 12, (int)length);
            Assert.True(Masked(data) == BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(o + 12 + (int)length)), $"data CRC of the frame at byte {o}");
            events.Add(Tensorboard.Event.Parser.ParseFrom(data.ToArray()));
            o += 12 + (int)length + 4;
        }
        return events;
    }

    /// <summary>The scalar events: (tag, step, value).</summary>
    public static List<(string Tag, long Step, float Value)> Scalars(IEnumerable<Tensorboard.Event> events) =>
        events.Where(e => e.Summary != null).SelectMany(e => e.Summary.Value
            .Where(v => v.ValueCase == Tensorboard.Summary.Types.Value.ValueOneofCase.SimpleValue)
            .Select(v => (v.Tag, e.Step, v.SimpleValue))).ToList();

    /// <summary>The image events: (tag, step, image).</summary>
    public static List<(string Tag, long Step, Tensorboard.Summary.Types.Image Image)> Images(IEnumerable<Tensorboard.Event> events) =>
        events.Where(e => e.Summary != null).SelectMany(e => e.Summary.Value
            .Where(v => v.ValueCase == Tensorboard.Summary.Types.Value.ValueOneofCase.Image)
            .Select(v => (v.Tag, e.Step, v.Image))).ToList();

    /// <summary>CRC-32C (Castagnoli), as TFRecord frames use it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>TensorFlow's masking of a CRC stored next to the data it covers.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private static List<Tensorboard.Event> CutTail(List<Tensorboard.Event> events, bool allowed, int offset, int length)
    {
        Assert.True(allowed, $"the file ends in a cut frame (bytes {offset}..{length})");
        return events;
    }
}
