using System.Text;
using OpenCvSharp;
using Ssd.Model.Devices;
using Ssd.Model.Training;

namespace Ssd.Model.Tests;

/// <summary>
/// The training's TensorBoard log (TorchSharp's SummaryWriter behind <see cref="TrainingBoard"/>), read back
/// frame by frame with CRCs checked, as TensorBoard reads it.
/// </summary>
public sealed class TensorBoardLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-tb-").FullName;

    public TensorBoardLogTests() => TorchRuntime.Initialise();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Crc32C_OfTheReader_MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, TensorBoardEventFile.Crc32C(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void EventFile_HasValidFramesAndEachScalar_AsSoonAsItIsAdded()
    {
        using var torchScope = TorchScope.Open();
        var board = new TrainingBoard(_dir);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        board.AddScalar("train/loss", 2.5, 7);
        // Nothing is held back in the process: what a run killed now leaves on disk is already there.
        var path = TensorBoardEventFile.In(_dir);
        var events = TensorBoardEventFile.Read(path);
        Assert.Equal(2, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.Equal([("train/loss", 7L, 2.5f)], TensorBoardEventFile.Scalars(events));

        board.AddScalar("val/mAP", 0.25, 8);
        events = TensorBoardEventFile.Read(path);
        Assert.Equal(3, events.Count);
        Assert.Equal([("train/loss", 7L, 2.5f), ("val/mAP", 8L, 0.25f)], TensorBoardEventFile.Scalars(events));
        // Wall times in seconds since the epoch, as TensorBoard plots them.
        Assert.InRange(events[2].WallTime, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public void Image_IsLoggedAsAPngOfTheSameImage_InItsColours()
    {
        using var torchScope = TorchScope.Open();
        var board = new TrainingBoard(_dir);
        using var image = new Mat(30, 40, MatType.CV_8UC3, new Scalar(0, 0, 0));
        // BGR: a blue square top-left, a red one bottom-right (a swap of R and B would show).
        Cv2.Rectangle(image, new Rect(2, 2, 10, 10), new Scalar(255, 0, 0), -1);
        Cv2.Rectangle(image, new Rect(25, 15, 10, 10), new Scalar(0, 0, 255), -1);
        board.AddImage("val/detections/0", image, 3);

        var logged = Assert.Single(TensorBoardEventFile.Images(TensorBoardEventFile.Read(TensorBoardEventFile.In(_dir))));
        Assert.Equal("val/detections/0", logged.Tag);
        Assert.Equal(3, logged.Step);
        Assert.Equal((30, 40), (logged.Image.Height, logged.Image.Width));
        var png = logged.Image.EncodedImageString.ToByteArray();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        using var decoded = Cv2.ImDecode(png, ImreadModes.Color);
        Assert.Equal(image.Size(), decoded.Size());
        Assert.Equal(new Vec3b(255, 0, 0), decoded.At<Vec3b>(5, 5));
        Assert.Equal(new Vec3b(0, 0, 255), decoded.At<Vec3b>(20, 30));
        Assert.Equal(new Vec3b(0, 0, 0), decoded.At<Vec3b>(25, 5));
    }
}
