using System.Collections;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Networks;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Ssd.Model.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-ckpt-").FullName;

    public CheckpointTests() => TorchRuntime.Initialise();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (Tensor Locs, Tensor Confs) Run(SsdNetwork net, Tensor x)
    {
        net.eval();
        using var _ = no_grad();
        return net.forward(x);
    }

    [Fact]
    public void ModelFile_RoundTrip_KeepsWeightsArchitectureAndClassNames()
    {
        using var torchScope = TorchScope.Open();
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["cat", "dog", "bird"]);
        var path = Path.Combine(_dir, "m.ssdm");
        ModelFile.Save(model, path);
        using var loaded = ModelFile.Load(path);
        Assert.Equal("ssdlite-mobilenetv2", loaded.Architecture.Name);
        Assert.Equal(["cat", "dog", "bird"], loaded.ClassNames);
        manual_seed(1);
        using var x = randn(1, 3, 300, 300);
        var (l1, c1) = Run(model.Network, x);
        var (l2, c2) = Run(loaded.Network, x);
        Assert.True(l1.equal(l2).all().item<bool>());
        Assert.True(c1.equal(c2).all().item<bool>());
    }

    [Fact]
    public void ModelFile_InHalfPrecision_IsHalfTheSizeAndCloseToFloat()
    {
        using var torchScope = TorchScope.Open();
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["a"]);
        var full = Path.Combine(_dir, "full.ssdm");
        var half = Path.Combine(_dir, "half.ssdm");
        ModelFile.Save(model, full);
        ModelFile.Save(model, half, half: true);
        Assert.InRange(new FileInfo(half).Length, new FileInfo(full).Length * 0.45, new FileInfo(full).Length * 0.55);
        using var loaded = ModelFile.Load(half);
        var a = model.Network.state_dict()["loc.0.3.weight"];
        var b = loaded.Network.state_dict()["loc.0.3.weight"];
        Assert.Equal(ScalarType.Float32, b.dtype);
        Assert.True(a.allclose(b, rtol: 1e-3, atol: 1e-4));
    }

    [Fact]
    public void ModelFile_Truncated_IsAClearError()
    {
        using var torchScope = TorchScope.Open();
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["a"]);
        var path = Path.Combine(_dir, "t.ssdm");
        ModelFile.Save(model, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ModelFile_ReadHeader_MakesNoTensor()
    {
        using var torchScope = TorchScope.Open();
        var path = Path.Combine(_dir, "h.ssdm");
        using (var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["cat", "dog"]))
            ModelFile.Save(model, path);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var header = ModelFile.ReadHeader(path);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(["cat", "dog"], header["class_names"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void ModelFile_ReadHeader_FindsATruncatedFile()
    {
        using var torchScope = TorchScope.Open();
        var path = Path.Combine(_dir, "ht.ssdm");
        using (var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["a"]))
            ModelFile.Save(model, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var e = Assert.Throws<CheckpointException>(() => ModelFile.ReadHeader(path));
        Assert.Contains("truncated", e.Message);
    }

    /// <summary>Saves a small model, then rewrites its JSON header with <paramref name="edit"/> (the tensors' bytes kept).</summary>
    private string ModelWithEditedHeader(string name, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var path = Path.Combine(_dir, name);
        using (var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["a"]))
            ModelFile.Save(model, path);
        var bytes = File.ReadAllBytes(path);
        int magic = Array.IndexOf(bytes, (byte)'\n') + 1;
        int length = BitConverter.ToInt32(bytes, magic);
        var header = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(magic + 4, length))!.AsObject();
        edit(header);
        var text = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        File.WriteAllBytes(path, [.. bytes[..magic], .. BitConverter.GetBytes(text.Length), .. text, .. bytes[(magic + 4 + length)..]]);
        return path;
    }

    [Fact]
    public void ModelFile_WithAFlippedBitInItsWeights_IsAClearError_AndOneWithoutAChecksumStillLoads()
    {
        // A bit flipped after the write (an SD card, a bad copy) loaded as a model with a wrong weight.
        using var torchScope = TorchScope.Open();
        var path = Path.Combine(_dir, "flip.ssdm");
        using (var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["a"]))
            ModelFile.Save(model, path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length * 2 / 3] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path));
        Assert.Contains("checksum", e.Message);
        Assert.Contains(path, e.Message);

        // The checksum covers the header's description of the tensors: a type read the wrong way is found too.
        var retyped = ModelWithEditedHeader("retyped.ssdm", h => h["tensors"]![0]!["dtype"] = "int32");
        Assert.Contains("checksum", Assert.Throws<CheckpointException>(() => ModelFile.Load(retyped)).Message);

        var older = ModelWithEditedHeader("older.ssdm", h => h.Remove("sha256"));
        using var loaded = ModelFile.Load(older);
        Assert.Equal(["a"], loaded.ClassNames);
    }

    [Theory]
    [InlineData(1L << 40)]
    [InlineData(1L << 62)]
    public void ModelFile_WithAHugeShapeInItsHeader_IsAClearError_BeforeAnythingIsAllocated(long dimension)
    {
        // A damaged digit in a shape once made libtorch try to allocate terabytes: a crash with a native trace.
        using var torchScope = TorchScope.Open();
        var path = ModelWithEditedHeader("huge.ssdm", h => h["tensors"]![0]!["shape"] = new System.Text.Json.Nodes.JsonArray(dimension, dimension));
        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("class_names", "[1, 2]")]
    [InlineData("architecture", "3")]
    [InlineData("version", "\"1\"")]
    [InlineData("format", "{}")]
    public void ModelFile_AHeaderFieldOfTheWrongKind_IsACheckpointErrorNamingIt(string field, string json)
    {
        using var torchScope = TorchScope.Open();
        var path = ModelWithEditedHeader("kind.ssdm", h => h[field] = System.Text.Json.Nodes.JsonNode.Parse(json));
        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path));
        Assert.Contains($"'{field}'", e.Message);
        Assert.Contains(path, e.Message);
        if (field is "class_names" or "architecture") Assert.Throws<CheckpointException>(() => ModelFile.ReadDescription(path));
    }

    [Fact]
    public void ModelFile_NotOurs_SaysHowToImport()
    {
        using var torchScope = TorchScope.Open();
        var path = Path.Combine(_dir, "x.pth");
        File.WriteAllBytes(path, [0x50, 0x4b, 3, 4, 0, 0, 0, 0]);
        var e = Assert.Throws<CheckpointException>(() => ModelFile.Load(path));
        Assert.Contains("ssdstream import", e.Message);
    }

    [Fact]
    public void ModelFile_IsWrittenAtomically_NoTemporaryLeftBehind()
    {
        using var torchScope = TorchScope.Open();
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, ["a"]);
        var path = Path.Combine(_dir, "a.ssdm");
        ModelFile.Save(model, path);
        ModelFile.Save(model, path);
        Assert.Equal(["a.ssdm"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    public static TheoryData<string, bool> Containers => new()
    {
        { "bare", false }, { "bare", true },
        { "model", false }, { "model", true },
        { "model_state_dict", false }, { "model_state_dict", true },
    };

    [Theory]
    [MemberData(nameof(Containers))]
    public void PyTorchImport_ReadsEveryContainerForm(string container, bool dataParallel)
    {
        using var torchScope = TorchScope.Open();
        using var source = SsdArchitecture.SsdLiteMobileNetV2.CreateNetwork(81);
        var path = Path.Combine(_dir, $"{container}-{dataParallel}.pth");
        WritePyTorchCheckpoint(path, source.state_dict(), container, dataParallel);

        using var imported = PyTorchCheckpointImporter.Import(path, SsdArchitecture.SsdLiteMobileNetV2);
        Assert.Equal(80, imported.ClassNames.Count);
        Assert.Equal("person", imported.ClassNames[0]);
        foreach (var (key, value) in source.state_dict())
        {
            Assert.True(value.equal(imported.Network.state_dict()[key]).all().item<bool>(), key);
        }
    }

    [Fact]
    public void PyTorchImport_MissingKey_NamesIt()
    {
        using var torchScope = TorchScope.Open();
        using var source = SsdArchitecture.SsdLiteMobileNetV2.CreateNetwork(81);
        var sd = source.state_dict();
        sd.Remove("additional_blocks.2.conv.1.1.running_mean");
        var path = Path.Combine(_dir, "missing.pth");
        WritePyTorchCheckpoint(path, sd, "bare", false);
        var e = Assert.Throws<CheckpointException>(() => PyTorchCheckpointImporter.Import(path, SsdArchitecture.SsdLiteMobileNetV2));
        Assert.Contains("missing key 'additional_blocks.2.conv.1.1.running_mean'", e.Message);
    }

    [Fact]
    public void PyTorchImport_UnexpectedKey_NamesIt()
    {
        using var torchScope = TorchScope.Open();
        using var source = SsdArchitecture.SsdLiteMobileNetV2.CreateNetwork(81);
        var sd = source.state_dict();
        sd["extra.weight"] = zeros(3);
        var path = Path.Combine(_dir, "unexpected.pth");
        WritePyTorchCheckpoint(path, sd, "model", false);
        var e = Assert.Throws<CheckpointException>(() => PyTorchCheckpointImporter.Import(path, SsdArchitecture.SsdLiteMobileNetV2));
        Assert.Contains("unexpected key 'extra.weight'", e.Message);
    }

    [Fact]
    public void PyTorchImport_ShapeMismatch_NamesTheKey()
    {
        using var torchScope = TorchScope.Open();
        using var source = SsdArchitecture.SsdLiteMobileNetV2.CreateNetwork(81);
        var sd = source.state_dict();
        sd["loc.2.3.weight"] = zeros(24, 511, 1, 1);
        var path = Path.Combine(_dir, "shape.pth");
        WritePyTorchCheckpoint(path, sd, "bare", false);
        var e = Assert.Throws<CheckpointException>(() => PyTorchCheckpointImporter.Import(path, SsdArchitecture.SsdLiteMobileNetV2));
        Assert.Contains("'loc.2.3.weight'", e.Message);
        Assert.Contains("[24, 511, 1, 1]", e.Message);
    }

    [Fact]
    public void PyTorchImport_WrongArchitecture_IsAnErrorNamingAKey()
    {
        using var torchScope = TorchScope.Open();
        using var source = SsdArchitecture.SsdLiteMobileNetV2.CreateNetwork(81);
        var path = Path.Combine(_dir, "lite.pth");
        WritePyTorchCheckpoint(path, source.state_dict(), "bare", false);
        var e = Assert.Throws<CheckpointException>(() => PyTorchCheckpointImporter.Import(path, SsdArchitecture.Ssd300ResNet50));
        Assert.Contains("key '", e.Message);
    }

    [Fact]
    public void PyTorchImport_WithOtherClasses_KeepsTheBackboneAndReinitialisesClassHeads()
    {
        using var torchScope = TorchScope.Open();
        using var source = SsdArchitecture.SsdLiteMobileNetV2.CreateNetwork(81);
        var path = Path.Combine(_dir, "coco.pth");
        WritePyTorchCheckpoint(path, source.state_dict(), "model_state_dict", true);
        using var imported = PyTorchCheckpointImporter.Import(path, SsdArchitecture.SsdLiteMobileNetV2, ["squirrel", "fox"]);
        Assert.Equal(3, imported.NumClasses);
        var sd = imported.Network.state_dict();
        Assert.Equal([6L * 3, 576, 1, 1], sd["conf.0.3.weight"].shape);
        Assert.True(source.state_dict()["feature_extractor.feature_extractor.3.conv.1.0.weight"].equal(sd["feature_extractor.feature_extractor.3.conv.1.0.weight"]).all().item<bool>());
        Assert.True(source.state_dict()["loc.4.3.weight"].equal(sd["loc.4.3.weight"]).all().item<bool>());
        // The depthwise part of a class head has the same shape for any class count and is kept.
        Assert.True(source.state_dict()["conf.1.0.weight"].equal(sd["conf.1.0.weight"]).all().item<bool>());
    }

    [Fact]
    public void PyTorchImport_NotAPickle_IsAClearError()
    {
        using var torchScope = TorchScope.Open();
        var path = Path.Combine(_dir, "junk.pth");
        File.WriteAllText(path, "this is not a checkpoint");
        var e = Assert.Throws<CheckpointException>(() => PyTorchCheckpointImporter.Import(path, SsdArchitecture.SsdLiteMobileNetV2));
        Assert.Contains(path, e.Message);
    }

    /// <summary>Writes a state dict in PyTorch's torch.save format, bare or inside a container dict.</summary>
    internal static void WritePyTorchCheckpoint(string path, IDictionary<string, Tensor> stateDict, string container, bool dataParallel)
    {
        var sd = new Hashtable();
        foreach (var (k, v) in stateDict) sd[dataParallel ? "module." + k : k] = v;
        IDictionary root = sd;
        if (container != "bare")
        {
            root = new Hashtable { [container] = sd, ["epoch"] = 3 };
        }
        PyTorchPickler.PickleStateDict(path, root);
    }
}
