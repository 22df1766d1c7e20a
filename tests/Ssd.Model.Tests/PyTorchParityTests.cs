using System.Security.Cryptography;
using System.Text.Json;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using Ssd.Model.Networks;
using Ssd.Model.PostProcessing;
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

    private static string Fixture(string name) => ParityFixture.File(name);

    [Theory]
    [InlineData("ssd300", "ssd300-resnet50")]
    [InlineData("ssdlite", "ssdlite-mobilenetv2")]
    public void ImportedReferenceCheckpoint_GivesTheReferenceDetections(string fixture, string arch)
    {
        using var torchScope = TorchScope.Open();
        using var reference = JsonDocument.Parse(File.ReadAllText(Fixture($"{fixture}_reference.json")));
        var root = reference.RootElement;
        var checkpoint = Path.Combine(_dir, $"{fixture}.pth");
        ParityFixture.WriteCheckpoint(fixture, checkpoint);

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

        using var image = ParityFixture.FormulaImage(out var rgb);
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
}
