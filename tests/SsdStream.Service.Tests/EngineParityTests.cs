using System.Text.Json;
using OpenCvSharp;
using Ssd.Model.Tests;

namespace SsdStream.Service.Tests;

/// <summary>
/// The two engines as a user runs them: `detect --engine onnxruntime` gives the detections of
/// `detect --engine torch` for the same weights and image (labels equal, scores within 1e-4, boxes within
/// 1e-3 of the image), on both architectures, with the parity fixture's weights imported as a user's .pth.
/// </summary>
public sealed class EngineParityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-engines-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("ssd300", "ssd300-resnet50")]
    [InlineData("ssdlite", "ssdlite-mobilenetv2")]
    public void Detect_OnOnnxRuntime_GivesTorchsDetections(string fixture, string arch)
    {
        var checkpoint = Path.Combine(_dir, $"{fixture}.pth");
        ParityFixture.WriteCheckpoint(fixture, checkpoint);
        var model = Path.Combine(_dir, $"{fixture}.ssdm");
        var (imported, importOutput) = CommandLineTests.Ssdstream(_dir, "import", checkpoint, "--arch", arch, "--out", model);
        Assert.True(imported == 0, importOutput);
        var image = Path.Combine(_dir, "formula.png");
        using (var formula = ParityFixture.FormulaImage(out _)) Cv2.ImWrite(image, formula);

        List<JsonElement> Detect(string engine)
        {
            var json = Path.Combine(_dir, $"{engine}.json");
            var (code, output) = CommandLineTests.Ssdstream(_dir, "detect", image, "--model", model, "--engine", engine, "--device", "cpu",
                "--threads", "2", "--score", "0.05", "--json", json);
            Assert.True(code == 0, output);
            using var line = JsonDocument.Parse(File.ReadAllText(json));
            return line.RootElement.GetProperty("detections").EnumerateArray().Select(d => d.Clone()).ToList();
        }

        var torch = Detect("torch");
        var onnx = Detect("onnxruntime");
        Assert.True(torch.Count >= 20, $"the fixture should give many detections to compare (got {torch.Count})");
        Assert.Equal(torch.Count, onnx.Count);
        // detect prints scores to 4 decimals and normalised boxes to 5: the tolerances widen by that rounding.
        const double scoreTolerance = 1e-4 + 1e-4, boxTolerance = 1e-3 + 1e-5;
        foreach (var t in torch)
        {
            var box = t.GetProperty("box_normalized").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            int match = onnx.FindIndex(o => o.GetProperty("label").GetString() == t.GetProperty("label").GetString()
                && Math.Abs(o.GetProperty("score").GetDouble() - t.GetProperty("score").GetDouble()) <= scoreTolerance
                && o.GetProperty("box_normalized").EnumerateArray().Select(v => v.GetDouble()).Zip(box).All(p => Math.Abs(p.First - p.Second) <= boxTolerance));
            Assert.True(match >= 0, $"onnxruntime has no detection like torch's {t}");
            onnx.RemoveAt(match);
        }
    }
}
