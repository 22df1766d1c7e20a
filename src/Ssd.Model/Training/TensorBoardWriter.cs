using System.Buffers.Binary;
using System.Text;

namespace Ssd.Model.Training;

/// <summary>
/// Writes TensorBoard event files (<c>events.out.tfevents.*</c>) with scalar summaries: TFRecord framing
/// (length, masked CRC-32C of the length, the serialised <c>Event</c> protobuf, masked CRC-32C of the
/// data), the first record carrying the file version. Each scalar is flushed at once so a killed run
/// keeps what it logged.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    private readonly FileStream _stream;

    public TensorBoardWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        var stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Path = System.IO.Path.Combine(directory, $"events.out.tfevents.{stamp}.{Environment.MachineName}.{Environment.ProcessId}");
        _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        WriteRecord(EncodeEvent(WallTime(), 0, fileVersion: "brain.Event:2", tag: null, value: 0));
    }

    public string Path { get; }

    /// <summary>Logs <paramref name="value"/> under <paramref name="tag"/> (e.g. <c>train/loss</c>) at <paramref name="step"/>.</summary>
    public void AddScalar(string tag, float value, long step)
    {
        WriteRecord(EncodeEvent(WallTime(), step, fileVersion: null, tag, value));
    }

    public void Dispose() => _stream.Dispose();

    private static double WallTime() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private void WriteRecord(byte[] data)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Crc32C.Masked(header.AsSpan(0, 8)));
        var footer = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(footer);
        _stream.Flush();
    }

    // Event { double wall_time = 1; int64 step = 2; oneof { string file_version = 3; Summary summary = 5; } }
    // Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; }
    internal static byte[] EncodeEvent(double wallTime, long step, string? fileVersion, string? tag, float value)
    {
        using var ms = new MemoryStream();
        ms.WriteByte((1 << 3) | 1);
        Span<byte> d = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(d, wallTime);
        ms.Write(d);
        ms.WriteByte(2 << 3);
        WriteVarint(ms, (ulong)step);
        if (fileVersion != null)
        {
            WriteLengthDelimited(ms, 3, Encoding.UTF8.GetBytes(fileVersion));
        }
        else
        {
            using var v = new MemoryStream();
            WriteLengthDelimited(v, 1, Encoding.UTF8.GetBytes(tag!));
            v.WriteByte((2 << 3) | 5);
            Span<byte> f = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(f, value);
            v.Write(f);
            using var summary = new MemoryStream();
            WriteLengthDelimited(summary, 1, v.ToArray());
            WriteLengthDelimited(ms, 5, summary.ToArray());
        }
        return ms.ToArray();
    }

    private static void WriteLengthDelimited(Stream s, int field, byte[] payload)
    {
        s.WriteByte((byte)((field << 3) | 2));
        WriteVarint(s, (ulong)payload.Length);
        s.Write(payload);
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }
}

/// <summary>CRC-32C (Castagnoli), as TFRecord frames use it, and TensorFlow's masking of it.</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
