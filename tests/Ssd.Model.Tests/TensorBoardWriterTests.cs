using System.Buffers.Binary;
using System.Text;
using Ssd.Model.Training;

namespace Ssd.Model.Tests;

public sealed class TensorBoardWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-tb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Crc32C_MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void EventFile_HasValidFramesAndTheScalarsWritten()
    {
        string path;
        using (var w = new TensorBoardWriter(_dir))
        {
            w.AddScalar("train/loss", 2.5f, 7);
            w.AddScalar("val/mAP", 0.25f, 8);
            path = w.Path;
        }
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        int o = 0;
        while (o < bytes.Length)
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(o));
            Assert.Equal(Crc32C.Masked(bytes.AsSpan(o, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(o + 8)));
            var data = bytes.AsSpan(o + 12, (int)length).ToArray();
            Assert.Equal(Crc32C.Masked(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(o + 12 + (int)length)));
            records.Add(data);
            o += 12 + (int)length + 4;
        }
        Assert.Equal(3, records.Count);
        Assert.Contains("brain.Event:2", Encoding.ASCII.GetString(records[0]));
        // Event: field 2 (step) varint, then summary with tag and float value.
        var second = records[1];
        Assert.Contains("train/loss", Encoding.ASCII.GetString(second));
        Assert.Equal(2.5f, BinaryPrimitives.ReadSingleLittleEndian(second.AsSpan(second.Length - 4)));
        Assert.Equal(7, second[10]); // tag 0x10 at 9, step varint at 10 (after the 9-byte wall time field)
        Assert.Equal(0.25f, BinaryPrimitives.ReadSingleLittleEndian(records[2].AsSpan(records[2].Length - 4)));
    }
}
