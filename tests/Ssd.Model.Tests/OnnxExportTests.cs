using System.Diagnostics;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using Ssd.Model.Networks;
using Ssd.Model.Onnx;
using Ssd.Model.PostProcessing;

namespace Ssd.Model.Tests;

/// <summary>
/// The ONNX export: a file the ONNX project's own checker accepts (Debian's python3-onnx), which describes its
/// model, and which ONNX Runtime runs to the detections TorchSharp gives on the same weights.
/// </summary>
public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-onnx-").FullName;

    public OnnxExportTests() => TorchRuntime.Initialise();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("ssd300-resnet50", false)]
    [InlineData("ssdlite-mobilenetv2", false)]
    [InlineData("ssdlite-mobilenetv2", true)]
    public void Export_PassesTheOnnxChecker_WithItsInputOutputsAndMetadata(string arch, bool half)
    {
        var path = Path.Combine(_dir, $"{arch}.onnx");
        using (var torchScope = TorchScope.Open())
        using (var model = SsdModel.Create(SsdArchitecture.Parse(arch), ["cat", "dog"]))
        {
            OnnxExporter.Save(model, path, half);
        }
        // onnx.checker with full_check also runs ONNX's shape inference over every node.
        const string script = """
            import json, sys, onnx
            m = onnx.load(sys.argv[1])
            onnx.checker.check_model(m, full_check=True)
            def dims(v): return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            print(json.dumps({"ir": m.ir_version, "opset": m.opset_import[0].version,
                "inputs": {v.name: dims(v) for v in m.graph.input},
                "outputs": {v.name: dims(v) for v in m.graph.output},
                "meta": {p.key: p.value for p in m.metadata_props}}))
            """;
        var (code, output) = Python(script, path);
        Assert.True(code == 0, output);
        var report = System.Text.Json.Nodes.JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        var architecture = SsdArchitecture.Parse(arch);
        int s = architecture.InputSize, b = architecture.BoxConfig.BoxCount;
        Assert.Equal($"[\"N\",3,{s},{s}]", report["inputs"]!["images"]!.ToJsonString());
        Assert.Equal($"[\"N\",4,{b}]", report["outputs"]!["locs"]!.ToJsonString());
        Assert.Equal($"[\"N\",3,{b}]", report["outputs"]!["confs"]!.ToJsonString());
        Assert.Equal(arch, (string?)report["meta"]!["architecture"]);
        Assert.Equal(half ? "float16" : "float32", (string?)report["meta"]!["precision"]);

        var description = OnnxModelInfo.Read(path);
        Assert.Equal(arch, description.Architecture.Name);
        Assert.Equal(["cat", "dog"], description.ClassNames);
        Assert.Equal(half, OnnxModelInfo.IsHalf(path));
    }

    [Theory]
    [InlineData("ssd300", "ssd300-resnet50")]
    [InlineData("ssdlite", "ssdlite-mobilenetv2")]
    public void OnnxRuntime_GivesTorchsDetections_OnTheParityWeightsAndImage(string fixture, string arch)
    {
        var modelPath = Path.Combine(_dir, $"{fixture}.ssdm");
        using (var torchScope = TorchScope.Open())
        {
            var checkpoint = Path.Combine(_dir, $"{fixture}.pth");
            ParityFixture.WriteCheckpoint(fixture, checkpoint);
            using var model = PyTorchCheckpointImporter.Import(checkpoint, SsdArchitecture.Parse(arch));
            ModelFile.Save(model, modelPath);
        }
        var options = new PostProcessOptions();
        var input = new float[3 * 300 * 300];
        new ImagePreprocessor(300).Write(ParityFixture.FormulaImage(out _), input);

        Detection[] Run(InferenceEngine engine)
        {
            using var torchScope = TorchScope.Open();
            using var detector = DetectorLoader.Open(modelPath, new DetectorSettings { Engine = engine, Device = "cpu", Threads = 2 }, options);
            Assert.StartsWith(engine == InferenceEngine.Torch ? "torch (cpu)" : "onnxruntime (cpu)", detector.Network.Description);
            return detector.Detect(input, 1)[0];
        }

        var torch = Run(InferenceEngine.Torch);
        var onnx = Run(InferenceEngine.OnnxRuntime);
        Assert.True(torch.Length >= 20, $"the fixture should give many detections to compare (got {torch.Length})");
        EngineParity.AssertSame(torch, onnx);
        // The export was kept beside the model, keyed by its content.
        Assert.True(File.Exists(OnnxModelCache.CachePath(modelPath, half: false)));
    }

    private static (int Code, string Output) Python(string script, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}

/// <summary>The acceptance of two engines' detections: labels equal, scores within 1e-4, boxes within 1e-3 of the image.</summary>
internal static class EngineParity
{
    public static void AssertSame(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.True(e.ClassId == a.ClassId
                && Math.Abs(e.Score - a.Score) <= 1e-4f
                && Math.Abs(e.X1 - a.X1) <= 1e-3f && Math.Abs(e.Y1 - a.Y1) <= 1e-3f
                && Math.Abs(e.X2 - a.X2) <= 1e-3f && Math.Abs(e.Y2 - a.Y2) <= 1e-3f,
                $"detection {i}: expected {e}, got {a}");
        }
    }
}
