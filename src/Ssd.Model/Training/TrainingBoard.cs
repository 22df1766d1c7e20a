using System.Runtime.InteropServices;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Training;

/// <summary>
/// The TensorBoard log of a training run: one <c>events.out.tfevents.*</c> file per run in its
/// directory, written by TorchSharp's <c>torch.utils.tensorboard.SummaryWriter</c>.
/// <para>
/// What we rely on, as TorchSharp 0.107 does it (tests: TensorBoardLogTests, and the killed
/// <c>ssdstream train</c> in TrainCommandTests): every <c>add_*</c> call opens the file, appends one TFRecord
/// frame, flushes and closes it before it returns, so a killed run keeps every event it logged (at most the
/// frame being written when it died is cut short, and readers stop before it). Images are PNG-encoded by
/// SkiaSharp, whose Linux native library comes from the SkiaSharp.NativeAssets.Linux.NoDependencies package.
/// </para>
/// <para>
/// Its limits, none of which loses data: steps are <c>int</c> (we check the cast); wall times are whole
/// seconds; and the file's first event (the file version) carries <c>DateTime.Now.Ticks</c> as its wall time
/// instead of seconds (seen in our files: 6.4e17), so whatever takes a run's start time from that event gets
/// a wrong one; the scalars and images carry their own, right wall times.
/// </para>
/// </summary>
public sealed class TrainingBoard
{
    private readonly TorchSharp.Modules.SummaryWriter _writer;

    /// <summary>Starts a new events file in <paramref name="directory"/> (created when missing).</summary>
    public TrainingBoard(string directory)
    {
        _writer = torch.utils.tensorboard.SummaryWriter(directory);
    }

    /// <summary>Logs <paramref name="value"/> under <paramref name="tag"/> (e.g. <c>train/loss</c>) at <paramref name="step"/>.</summary>
    public void AddScalar(string tag, double value, long step) => _writer.add_scalar(tag, (float)value, Step(step));

    /// <summary>
    /// Logs <paramref name="image"/> (8-bit BGR, <c>[H, W, 3]</c>, as OpenCV reads it) under <paramref name="tag"/>
    /// at <paramref name="step"/>, as a PNG of the same size.
    /// </summary>
    public void AddImage(string tag, Mat image, long step)
    {
        if (image.Type() != MatType.CV_8UC3) throw new ArgumentException($"an 8-bit BGR image is needed, not {image.Type()}", nameof(image));
        using var rgb = image.CvtColor(ColorConversionCodes.BGR2RGB);
        var pixels = new byte[rgb.Rows * rgb.Cols * 3];
        Marshal.Copy(rgb.Data, pixels, 0, pixels.Length); // a fresh CvtColor result is one continuous block
        using (NewDisposeScope())
        {
            _writer.add_img(tag, torch.tensor(pixels, [rgb.Rows, rgb.Cols, 3]), Step(step), dataformats: "HWC");
        }
    }

    private static int Step(long step) => checked((int)step);
}
