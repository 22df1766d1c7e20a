using Ssd.Model.Devices;
using Ssd.Model.Networks;
using static TorchSharp.torch;

namespace Ssd.Model.Tests;

public class NetworkTests
{
    public NetworkTests() => TorchRuntime.Initialise();

    [Fact]
    public void Ssd300_HasTheReferenceParameterCount()
    {
        using var torchScope = TorchScope.Open();
        using var net = SsdArchitecture.Ssd300ResNet50.CreateNetwork(81);
        Assert.Equal(22894902L, net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Ssd300_StateDictKeys_AreTheReferenceNames()
    {
        using var torchScope = TorchScope.Open();
        using var net = SsdArchitecture.Ssd300ResNet50.CreateNetwork(81);
        var sd = net.state_dict();
        Assert.Equal([64L, 3, 7, 7], sd["feature_extractor.feature_extractor.0.weight"].shape);
        Assert.Equal([1024L, 256, 1, 1], sd["feature_extractor.feature_extractor.6.0.conv3.weight"].shape);
        // layer3's first block at stride 1: its downsample conv is a 1x1 from 512 to 1024.
        Assert.Equal([1024L, 512, 1, 1], sd["feature_extractor.feature_extractor.6.0.downsample.0.weight"].shape);
        Assert.True(sd.ContainsKey("feature_extractor.feature_extractor.6.5.bn3.running_var"));
        Assert.Equal([256L, 1024, 1, 1], sd["additional_blocks.0.0.weight"].shape);
        Assert.Equal([512L, 256, 3, 3], sd["additional_blocks.0.3.weight"].shape);
        Assert.True(sd.ContainsKey("additional_blocks.4.4.num_batches_tracked"));
        Assert.Equal([16L, 1024, 3, 3], sd["loc.0.weight"].shape);
        Assert.Equal([4L * 81, 1024, 3, 3], sd["conf.0.weight"].shape);
        Assert.Equal([6L * 81], sd["conf.1.bias"].shape);
        Assert.DoesNotContain(sd.Keys, k => k.StartsWith("feature_extractor.feature_extractor.7", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ssd300-resnet50", 8732)]
    [InlineData("ssdlite-mobilenetv2", 3000)]
    public void Forward_GivesLocsAndConfsForEveryDefaultBox(string arch, int boxes)
    {
        using var torchScope = TorchScope.Open();
        var architecture = SsdArchitecture.Parse(arch);
        using var net = architecture.CreateNetwork(5);
        net.eval();
        using var _ = no_grad();
        using var x = randn(2, 3, 300, 300);
        var (locs, confs) = net.forward(x);
        using (locs)
        using (confs)
        {
            Assert.Equal([2L, 4, boxes], locs.shape);
            Assert.Equal([2L, 5, boxes], confs.shape);
        }
    }

    [Fact]
    public void SsdLite_FirstMapIsBlock14Expansion_At19x19()
    {
        using var torchScope = TorchScope.Open();
        using var net = SsdArchitecture.SsdLiteMobileNetV2.CreateNetwork(81);
        var sd = net.state_dict();
        Assert.Equal([576L, 96, 1, 1], sd["feature_extractor.feature_extractor.14.conv.0.0.weight"].shape);
        Assert.Equal([1280L, 320, 1, 1], sd["feature_extractor.feature_extractor.18.0.weight"].shape);
        Assert.Equal([256L, 1280, 1, 1], sd["additional_blocks.0.conv.0.0.weight"].shape);
        Assert.Equal([576L, 1, 3, 3], sd["loc.0.0.weight"].shape);
        Assert.Equal([24L, 576, 1, 1], sd["loc.0.3.weight"].shape);
        Assert.Equal([576L], sd["loc.0.0.bias"].shape);
        Assert.Equal([6L * 81, 64, 1, 1], sd["conf.5.3.weight"].shape);
        // SSD-pytorch's seventh head: a plain 1x1 conv its checkpoints hold and its forward never runs.
        Assert.Equal([6L * 81, 64, 1, 1], sd["conf.6.weight"].shape);
        Assert.Equal([24L], sd["loc.6.bias"].shape);
    }

    [Fact]
    public void UnknownArchitecture_IsAnErrorListingTheKnownOnes()
    {
        using var torchScope = TorchScope.Open();
        var e = Assert.Throws<ArgumentException>(() => SsdArchitecture.Parse("yolo"));
        Assert.Contains("ssd300-resnet50", e.Message);
        Assert.Contains("ssdlite-mobilenetv2", e.Message);
    }

    [Fact]
    public void TorchRuntime_SwitchesOffNnpack()
    {
        using var torchScope = TorchScope.Open();
        Assert.True(TorchRuntime.NnpackDisabled);
    }

    [Theory]
    [InlineData("ssd300-resnet50")]
    [InlineData("ssdlite-mobilenetv2")]
    public void ClassHeadOutputBias_IsTheFirstClassHeadsLastBias(string arch)
    {
        using var torchScope = TorchScope.Open();
        var architecture = SsdArchitecture.Parse(arch);
        using var net = architecture.CreateNetwork(7);
        var bias = net.state_dict()[architecture.ClassHeadOutputBias];
        Assert.Equal(architecture.BoxConfig.BoxesPerCell[0] * 7L, bias.shape[0]);
    }
}
