using Ssd.Model.Boxes;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data;
using Ssd.Model.Data.Synthetic;
using Ssd.Model.Devices;
using Ssd.Model.Evaluation;
using Ssd.Model.Networks;
using Ssd.Model.Training;

namespace Ssd.Model.Tests;

/// <summary>
/// An image file that exists but does not decode (found by the dataset fuzz drill): without --skip-bad it
/// stops the run naming the file; with it, evaluation and training leave the image out and count it.
/// </summary>
public sealed class UndecodableImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-undecodable-").FullName;

    public UndecodableImageTests() => TorchRuntime.Initialise();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A synthetic COCO dataset of six images, the second of which is overwritten with bytes that are no image.</summary>
    private (string Annotations, string Broken) DatasetWithABrokenImage()
    {
        var summary = SyntheticDatasetWriter.Write(_dir, 6, seed: 4, valFraction: 0);
        var read = DatasetReader.Read(summary.TrainAnnotations);
        var broken = read.Images[1].Path;
        File.WriteAllBytes(broken, [.. "GIF89a"u8, .. new byte[200]]);
        return (summary.TrainAnnotations, broken);
    }

    [Fact]
    public void WithoutSkipBad_EvaluationStopsNamingTheImage()
    {
        using var scope = TorchScope.Open();
        var (annotations, broken) = DatasetWithABrokenImage();
        var dataset = DatasetReader.Read(annotations);
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, dataset.ClassNames);
        var e = Assert.Throws<DatasetException>(() => DatasetEvaluation.Run(model, ComputeDevice.Select("cpu"), dataset, batchSize: 4));
        Assert.Contains(broken, e.Message);
    }

    [Fact]
    public void WithSkipBad_EvaluationScoresTheOtherImages_AndCountsTheBrokenOne()
    {
        using var scope = TorchScope.Open();
        var (annotations, broken) = DatasetWithABrokenImage();
        var dataset = DatasetReader.Read(annotations, skipBad: true);
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, dataset.ClassNames);
        var (_, detections) = DatasetEvaluation.Run(model, ComputeDevice.Select("cpu"), dataset, batchSize: 4);
        var reason = Assert.Single(dataset.Undecodable);
        Assert.Contains(broken, reason);
        Assert.DoesNotContain(detections, d => d.ImageId == dataset.Images[1].Id);
        Assert.Contains(detections, d => d.ImageId == dataset.Images[5].Id);
    }

    [Fact]
    public void WithSkipBad_TrainingBatchesStayFull_TheNextImageTakingTheBrokenOnesPlace()
    {
        using var scope = TorchScope.Open();
        var (annotations, _) = DatasetWithABrokenImage();
        var dataset = DatasetReader.Read(annotations, skipBad: true);
        using var model = SsdModel.Create(SsdArchitecture.SsdLiteMobileNetV2, dataset.ClassNames);
        var loader = new TrainingBatchLoader(dataset, new BoxCoder(model.DefaultBoxes), model.Architecture.InputSize, batchSize: 3, workers: 1, seed: 1);
        var batches = loader.Epoch(1, CancellationToken.None).ToList();
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Equal(3, b.Count));
        Assert.Single(dataset.Undecodable);
    }
}
