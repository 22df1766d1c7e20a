using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using OpenCvSharp;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using Ssd.Model.Networks;
using Ssd.Model.PostProcessing;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Ssd.Model.Tests;

/// <summary>
/// Parity with the PyTorch reference. tests/fixtures/parity/make_reference.py built the reference
/// networks in PyTorch, filled them with weights from a closed formula, ran them on a formula image and
/// decoded the output the reference way; the JSON files hold its numbers. Here the same weights are
/// written as a PyTorch checkpoint (PyBridge writes torch.save's format), imported like a user's .pth,
/// and the detector must give the same detections.
/// </summary>
public sealed class PyTorchParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-parity-").FullName;

    public PyTorchParityTests() => TorchRuntime.Initialise();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "parity", name);

    [Theory]
    [InlineData("ssd300", "ssd300-resnet50")]
    [InlineData("ssdlite", "ssdlite-mobilenetv2")]
    public void ImportedReferenceCheckpoint_GivesTheReferenceDetections(string fixture, string arch)
    {
        using var torchScope = TorchScope.Open();
        using var reference = JsonDocument.Parse(File.ReadAllText(Fixture($"{fixture}_reference.json")));
        var root = reference.RootElement;
        var constants = root.GetProperty("formula_constants");
        var weights = FormulaWeights(Fixture($"{fixture}_keys.txt"), constants);
        var checkpoint = Path.Combine(_dir, $"{fixture}.pth");
        PyTorchPickler.PickleStateDict(checkpoint, weights);
        foreach (DictionaryEntry e in weights) ((Tensor)e.Value!).Dispose();

        var model = PyTorchCheckpointImporter.Import(checkpoint, SsdArchitecture.Parse(arch));
        Assert.Equal(root.GetProperty("num_classes").GetInt32(), model.NumClasses);
        var decode = root.GetProperty("decode");
        var options = new PostProcessOptions
        {
            ScoreThreshold = decode.GetProperty("score_threshold").GetSingle(),
            NmsThreshold = decode.GetProperty("nms_threshold").GetSingle(),
            TopKPerClass = decode.GetProperty("max_per_class").GetInt32(),
            MaxDetections = decode.GetProperty("max_output").GetInt32(),
        };
        using var detector = new SsdDetector(model, ComputeDevice.Select("cpu"), options);

        using var image = FormulaImage(out var rgb);
        Assert.Equal(root.GetProperty("image_sha256_rgb_hwc").GetString(), Convert.ToHexStringLower(SHA256.HashData(rgb)));
        var input = new float[detector.Preprocessor.ImageLength];
        detector.Preprocessor.Write(image, input);
        Assert.Equal(root.GetProperty("input_stats").GetProperty("sum").GetDouble(), input.Sum(v => (double)v), 1);

        var actual = detector.Detect(input, 1)[0].ToList();
        var expected = root.GetProperty("detections").EnumerateArray().ToList();
        Assert.Equal(root.GetProperty("detection_count").GetInt32(), expected.Count);
        Assert.True(expected.Count >= 20, "the fixture should exercise NMS with many detections");
        Assert.Equal(expected.Count, actual.Count);
        foreach (var e in expected)
        {
            int cls = e.GetProperty("class_id").GetInt32();
            float score = e.GetProperty("score").GetSingle();
            var box = e.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            int match = actual.FindIndex(d => d.ClassId == cls && Math.Abs(d.Score - score) <= 1e-4f
                && Math.Abs(d.X1 - box[0]) <= 1e-3f && Math.Abs(d.Y1 - box[1]) <= 1e-3f
                && Math.Abs(d.X2 - box[2]) <= 1e-3f && Math.Abs(d.Y2 - box[3]) <= 1e-3f);
            Assert.True(match >= 0, $"no detection of class {cls} with score {score} at [{string.Join(", ", box)}]");
            actual.RemoveAt(match);
        }
    }

    /// <summary>
    /// The reference's weights: for the k-th state-dict entry (in the keys file's PyTorch order), value i
    /// is a closed formula of sin(0.7 i + 1.3 k), as the fixture's "formula" field states.
    /// </summary>
    private static Hashtable FormulaWeights(string keysFile, JsonElement constants)
    {
        double g = constants.GetProperty("G").GetDouble();
        double locW = constants.GetProperty("LOC_W").GetDouble();
        double confW = constants.GetProperty("CONF_W").GetDouble();
        double confB = constants.GetProperty("CONF_B").GetDouble();
        var table = new Hashtable();
        int k = 0;
        foreach (var line in File.ReadLines(keysFile))
        {
            if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line)) continue;
            var parts = line.Split(' ');
            string key = parts[0];
            long[] shape = parts[1] == "scalar" ? [] : parts[1].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            if (key.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
            {
                table[key] = tensor(0L);
                k++;
                continue;
            }
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var values = new float[n];
            Func<double, double> f;
            if (key.EndsWith(".running_mean", StringComparison.Ordinal)) f = s => 0.01 * s;
            else if (key.EndsWith(".running_var", StringComparison.Ordinal)) f = s => 1 + 0.1 * Math.Abs(s);
            else if (key.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 1) f = s => 1 + 0.1 * s;
            else if (key.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 4)
            {
                double m = key.StartsWith("conf.", StringComparison.Ordinal) ? confW : key.StartsWith("loc.", StringComparison.Ordinal) ? locW : 1;
                double scale = g * m / Math.Sqrt(shape[1] * shape[2] * shape[3]);
                f = s => scale * s;
            }
            else if (key.EndsWith(".bias", StringComparison.Ordinal))
            {
                double b = key.StartsWith("conf.", StringComparison.Ordinal) ? confB : 0.01;
                f = s => b * s;
            }
            else throw new InvalidDataException($"no formula for key {key}");
            for (long i = 0; i < n; i++) values[i] = (float)f(Math.Sin(0.7 * i + 1.3 * k));
            table[key] = tensor(values, shape);
            k++;
        }
        return table;
    }

    /// <summary>The fixture's 300x300 formula image as a BGR Mat, and its RGB bytes (HWC) for the checksum.</summary>
    private static Mat FormulaImage(out byte[] rgb)
    {
        const int size = 300;
        rgb = new byte[size * size * 3];
        (int X0, int X1, int Y0, int Y1, byte R, byte G, byte B)[] rects =
        [
            (40, 120, 50, 200, 220, 30, 30), (150, 280, 30, 110, 20, 200, 60), (170, 260, 160, 270, 30, 60, 210),
            (20, 90, 220, 290, 240, 240, 240), (100, 150, 120, 170, 10, 10, 10),
        ];
        var mat = new Mat(size, size, MatType.CV_8UC3);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                byte r = (byte)((7 * x + 3 * y) % 256), gg = (byte)((5 * x + 11 * y + x * y / 32) % 256), b = (byte)((x * y + 13 * x) % 256);
                foreach (var q in rects)
                {
                    if (x >= q.X0 && x < q.X1 && y >= q.Y0 && y < q.Y1) (r, gg, b) = (q.R, q.G, q.B);
                }
                int o = 3 * (y * size + x);
                rgb[o] = r; rgb[o + 1] = gg; rgb[o + 2] = b;
                mat.Set(y, x, new Vec3b(b, gg, r));
            }
        }
        return mat;
    }
}
