using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Checkpoints;

/// <summary>
/// A simple self-describing container for named tensors plus a JSON header:
/// magic line, little-endian int32 header length, UTF-8 JSON header (with a <c>tensors</c> list of
/// name, dtype and shape, and the <c>sha256</c> of those descriptions and the tensors' bytes), then each tensor's raw
/// little-endian bytes in header order. Written to a temporary file and renamed, so a reader never sees a
/// half-written file; the checksum finds a file damaged later (a flipped bit on an SD card, a bad copy),
/// which would otherwise load as a model with wrong weights. Files written before it had one load unchecked.
/// </summary>
internal static class TensorBlobFile
{
    private static readonly byte[] Magic = "SSDSTREAM-TENSORS-1\n"u8.ToArray();
    private const string ChecksumKey = "sha256";

    public static void Write(string path, JsonObject header, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        // detach().cpu() makes a temporary: in a scope it cannot be finalized while contiguous() still uses it.
        using var scope = NewDisposeScope();
        var list = tensors.Select(t => (t.Name, Tensor: t.Tensor.detach().cpu().contiguous())).ToList();
        try
        {
            var entries = new JsonArray();
            foreach (var (name, t) in list)
            {
                entries.Add(new JsonObject
                {
                    ["name"] = name,
                    ["dtype"] = DTypeName(t.dtype),
                    ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)d).ToArray()),
                });
            }
            header["tensors"] = entries;
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                foreach (var (name, t) in list) sha.AppendData(Description(name, t.dtype, t.shape));
                foreach (var (_, t) in list) sha.AppendData(t.bytes);
                header[ChecksumKey] = Convert.ToHexStringLower(sha.GetHashAndReset());
            }
            var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());

            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(dir);
            var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
            try
            {
                using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    stream.Write(Magic);
                    Span<byte> len = stackalloc byte[4];
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, headerBytes.Length);
                    stream.Write(len);
                    stream.Write(headerBytes);
                    foreach (var (_, t) in list) stream.Write(t.bytes);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(tmp, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }
        finally
        {
            foreach (var (_, t) in list) t.Dispose();
        }
    }

    /// <summary>
    /// Reads only the header, without making a tensor: the magic line and the JSON. It checks that the
    /// file is as long as the tensors the header lists, so a truncated file is found here too.
    /// </summary>
    public static JsonObject ReadHeader(string path)
    {
        using var stream = OpenForReading(path);
        var header = ReadHeader(stream, path);
        CheckLength(header, stream, path);
        return header;
    }

    /// <summary>A tensor's name, type and shape as the checksum covers them (so an edited header is found too).</summary>
    private static byte[] Description(string name, ScalarType dtype, long[] shape) =>
        Encoding.UTF8.GetBytes($"{name}\0{DTypeName(dtype)}\0{string.Join(',', shape)}\n");

    /// <summary>
    /// Checks that what follows the header (the stream is there) is exactly as long as the tensors the
    /// header lists, before anything is made for them: a damaged shape could otherwise ask for terabytes.
    /// </summary>
    private static void CheckLength(JsonObject header, FileStream stream, string path)
    {
        long expected = stream.Position;
        foreach (var (name, dtype, shape) in Entries(header, path))
        {
            try
            {
                expected = checked(expected + shape.Aggregate(1L, (n, d) => checked(n * d)) * ElementSize(dtype));
            }
            catch (OverflowException)
            {
                throw new CheckpointException($"{path}: tensor '{name}' has an impossible shape [{string.Join(", ", shape)}] (damaged header?)");
            }
        }
        if (expected != stream.Length)
            throw new CheckpointException(expected > stream.Length
                ? $"{path}: file ends {expected - stream.Length} bytes early (truncated file?)"
                : $"{path}: {stream.Length - expected} bytes after the last tensor");
    }

    /// <summary>Reads the header and the tensors (on the CPU, owned by the caller).</summary>
    public static (JsonObject Header, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        using var stream = OpenForReading(path);
        var header = ReadHeader(stream, path);
        CheckLength(header, stream, path);
        var checksum = HeaderFields.String(header, ChecksumKey, path);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, dtype, shape) in Entries(header, path)) sha.AppendData(Description(name, dtype, shape));
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, dtype, shape) in Entries(header, path))
            {
                var t = empty(shape, dtype);
                tensors[name] = t;
                long count = t.numel() * ElementSize(dtype);
                var buffer = new byte[count];
                try
                {
                    stream.ReadExactly(buffer);
                }
                catch (EndOfStreamException e)
                {
                    throw new CheckpointException($"{path}: file ends inside tensor '{name}' (truncated file?)", e);
                }
                t.bytes = buffer;
                sha.AppendData(buffer);
            }
            if (stream.Position != stream.Length) throw new CheckpointException($"{path}: {stream.Length - stream.Position} bytes after the last tensor");
            if (checksum != null && !string.Equals(checksum, Convert.ToHexStringLower(sha.GetHashAndReset()), StringComparison.OrdinalIgnoreCase))
                throw new CheckpointException($"{path}: the weights do not match the file's checksum (the file was damaged after it was written)");
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return (header, tensors);
    }

    private static FileStream OpenForReading(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
    }

    /// <summary>Reads the magic line and the JSON header; leaves the stream at the first tensor's bytes.</summary>
    private static JsonObject ReadHeader(FileStream stream, string path)
    {
        var magic = new byte[Magic.Length];
        if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) != magic.Length || !magic.AsSpan().SequenceEqual(Magic))
            throw new CheckpointException($"{path}: not an ssdstream model file (a PyTorch .pth file is converted with `ssdstream import`)");
        var lenBytes = new byte[4];
        if (stream.ReadAtLeast(lenBytes, 4, throwOnEndOfStream: false) != 4) throw new CheckpointException($"{path}: file ends inside the header");
        int headerLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(lenBytes);
        if (headerLength <= 0 || headerLength > stream.Length - stream.Position) throw new CheckpointException($"{path}: corrupt header length {headerLength}");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        try
        {
            return JsonNode.Parse(headerBytes)?.AsObject() ?? throw new CheckpointException($"{path}: empty header");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointException($"{path}: corrupt header: {e.Message}", e);
        }
    }

    /// <summary>The header's tensor list: name, type and shape of each, in file order.</summary>
    private static IEnumerable<(string Name, ScalarType DType, long[] Shape)> Entries(JsonObject header, string path)
    {
        foreach (var entry in header["tensors"] as JsonArray ?? throw new CheckpointException($"{path}: header lists no tensors"))
        {
            string name;
            long[] shape;
            string? dtype;
            try
            {
                name = (string?)entry?["name"] ?? throw new CheckpointException($"{path}: a tensor entry has no name");
                shape = entry!["shape"]!.AsArray().Select(d => (long)d!).ToArray();
                dtype = (string?)entry["dtype"];
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or OverflowException)
            {
                throw new CheckpointException($"{path}: corrupt tensor entry in the header", e);
            }
            if (shape.Any(d => d < 0)) throw new CheckpointException($"{path}: tensor '{name}' has a negative dimension");
            yield return (name, ParseDType(dtype, path, name), shape);
        }
    }

    private static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Byte or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"tensor type {t} cannot be stored"),
    };

    private static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Byte => "uint8",
        ScalarType.Bool => "bool",
        _ => throw new NotSupportedException($"tensor type {t} cannot be stored"),
    };

    private static ScalarType ParseDType(string? name, string path, string tensor) => name switch
    {
        "float32" => ScalarType.Float32,
        "float16" => ScalarType.Float16,
        "bfloat16" => ScalarType.BFloat16,
        "float64" => ScalarType.Float64,
        "int64" => ScalarType.Int64,
        "int32" => ScalarType.Int32,
        "uint8" => ScalarType.Byte,
        "bool" => ScalarType.Bool,
        _ => throw new CheckpointException($"{path}: tensor '{tensor}' has unknown dtype '{name}'"),
    };
}
