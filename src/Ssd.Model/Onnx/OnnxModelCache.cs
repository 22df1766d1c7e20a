using System.Security.Cryptography;
using Ssd.Model.Checkpoints;

namespace Ssd.Model.Onnx;

/// <summary>
/// The ONNX form of a model file, exported once: kept beside the model as <c>.&lt;file&gt;.&lt;hash&gt;.onnx</c>, the
/// hash taken over the model file's bytes, the exporter's version and the precision, so a changed model or
/// exporter never reads a stale export. Where the folder takes no files (a read-only install), the export
/// stays in memory for this run.
/// </summary>
public static class OnnxModelCache
{
    /// <summary>Changes whenever the exporter writes a different graph for the same weights.</summary>
    private const string ExporterVersion = "ssdstream-onnx-export-1";

    /// <summary>The ONNX bytes of <paramref name="modelPath"/> (a model file or training checkpoint), from the cache or exported now.</summary>
    /// <param name="note">Told, in one line, when the export could not be cached.</param>
    public static byte[] Load(string modelPath, bool half, Action<string>? note = null)
    {
        var cache = CachePath(modelPath, half);
        if (File.Exists(cache))
        {
            try { return File.ReadAllBytes(cache); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { note?.Invoke($"could not read the cached export '{cache}' ({e.Message}); exporting again"); }
        }
        byte[] bytes;
        using (var model = ModelFile.Load(modelPath)) bytes = OnnxExporter.ToBytes(model, half);
        try
        {
            OnnxExporter.WriteAtomically(cache, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            note?.Invoke($"the ONNX export of '{modelPath}' stays in memory: '{Path.GetDirectoryName(cache)}' takes no files ({e.Message})");
        }
        return bytes;
    }

    /// <summary>Where the export of <paramref name="modelPath"/> is cached.</summary>
    public static string CachePath(string modelPath, bool half)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var stream = File.OpenRead(modelPath))
        {
            var buffer = new byte[1 << 20];
            int n;
            while ((n = stream.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        }
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{ExporterVersion}/{(half ? "float16" : "float32")}"));
        var hash = Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
        var full = Path.GetFullPath(modelPath);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{hash}{OnnxModelInfo.Extension}");
    }
}
