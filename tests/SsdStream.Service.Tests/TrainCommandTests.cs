using System.Diagnostics;
using OpenCvSharp;
using Ssd.Model.Data.Synthetic;
using Ssd.Model.Tests;
using Ssd.Model.Training;

namespace SsdStream.Service.Tests;

/// <summary>
/// The real <c>ssdstream train</c>: on a few synthetic images, its output read as a log collector reads it; on a
/// user's own data in Pascal VOC layout; and the guard on a used output folder.
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-train-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] TrainArguments(string output, int epochs)
    {
        var root = Path.Combine(_dir, "data");
        var summary = SyntheticDatasetWriter.Write(root, 8, seed: 5, valFraction: 0.5);
        return ["train", "--data", summary.TrainAnnotations, "--images", Path.Combine(root, "train", "images"),
            "--val-data", summary.ValAnnotations, "--val-images", Path.Combine(root, "val", "images"),
            "--arch", "ssdlite-mobilenetv2", "--out", output, "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--batch", "4", "--warmup", "0", "--workers", "1", "--threads", "1", "--device", "cpu"];
    }

    private Process Start(string[] arguments)
    {
        var start = new ProcessStartInfo(DaemonProcess.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["SSDSTREAM_ROOT"] = _dir;
        return Process.Start(start)!;
    }

    [Fact]
    public async Task Train_WithOutputNotATerminal_PrintsPlainLines_AndWritesTheFinalModel()
    {
        var output = Path.Combine(_dir, "run");
        using var p = Start(TrainArguments(output, epochs: 2));
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(300)), "train did not finish");
        Assert.True(p.ExitCode == 0, stdout + await stderr);

        // Whole lines only: no cursor movement, colour or carriage return in a log.
        Assert.DoesNotContain('\r', stdout);
        Assert.DoesNotContain('\u001b', stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("training ssdlite-mobilenetv2 on 4 images", lines[0]);
        Assert.Contains("starting: 2 epochs of 1 batches on cpu", lines);
        Assert.Contains(lines, l => l.StartsWith("epoch 1/2 batch 1/1 loss ", StringComparison.Ordinal) && l.Contains(" img/s "));
        Assert.Contains("epoch 1: evaluating on the validation set...", lines);
        Assert.Contains(lines, l => l.StartsWith("epoch 2/2: loss ", StringComparison.Ordinal) && l.Contains(", val mAP "));
        Assert.Equal($"final model: {Path.Combine(output, SsdTrainer.FinalModelName)}", lines[^1]);
        Assert.True(File.Exists(Path.Combine(output, SsdTrainer.FinalModelName)));
    }

    [Fact]
    public async Task Train_KilledMidRun_KeepsItsTensorBoardLog()
    {
        var output = Path.Combine(_dir, "killed");
        using var p = Start(TrainArguments(output, epochs: 1000));
        var stderr = p.StandardError.ReadToEndAsync();
        // Kill it (SIGKILL: no handler runs, nothing is flushed) once epoch 1 has been reported.
        var reported = Task.Run(() =>
        {
            while (p.StandardOutput.ReadLine() is { } line)
                if (line.StartsWith("epoch 1/1000: loss ", StringComparison.Ordinal)) return true;
            return false;
        });
        bool seen;
        try
        {
            seen = await reported.WaitAsync(TimeSpan.FromSeconds(300));
        }
        finally
        {
            if (!p.HasExited) p.Kill();
        }
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(seen, "train ended before reporting epoch 1: " + await stderr);

        // Every frame is whole and checks out (but the one being written at the kill, if any), and epoch 1 is there.
        var events = TensorBoardEventFile.Read(TensorBoardEventFile.In(Path.Combine(output, "logs")), allowCutTail: true);
        var scalars = TensorBoardEventFile.Scalars(events);
        Assert.Contains(scalars, s => s.Tag == "train/loss" && s.Step == 1);
        Assert.Contains(scalars, s => s.Tag == "epoch/loss" && s.Step == 1);
        Assert.Contains(scalars, s => s.Tag == "val/mAP" && s.Step == 1);
        var images = TensorBoardEventFile.Images(events).Where(i => i.Step == 1).Select(i => i.Tag);
        Assert.Equal(Enumerable.Range(0, AnnotatedValidationImages.Count).Select(AnnotatedValidationImages.Tag), images);
    }

    /// <summary>A VOC folder as labelImg or CVAT exports it, with classes of its own: one widget or gadget per image.</summary>
    private string WriteCustomVoc(int images)
    {
        var root = Path.Combine(_dir, "voc");
        foreach (var folder in new[] { "Annotations", "JPEGImages", Path.Combine("ImageSets", "Main") }) Directory.CreateDirectory(Path.Combine(root, folder));
        var ids = new List<string>();
        for (int i = 0; i < images; i++)
        {
            var id = $"img{i:000}";
            ids.Add(id);
            var label = i % 2 == 0 ? "widget" : "gadget";
            int x = 20 + 10 * i, y = 30 + 5 * i;
            using (var image = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(40)))
            {
                if (label == "widget") Cv2.Rectangle(image, new Rect(x, y, 100, 80), Scalar.Red, -1);
                else Cv2.Circle(image, new Point(x + 50, y + 40), 40, Scalar.Yellow, -1);
                Cv2.ImWrite(Path.Combine(root, "JPEGImages", id + ".jpg"), image);
            }
            File.WriteAllText(Path.Combine(root, "Annotations", id + ".xml"), $"""
                <annotation>
                  <filename>{id}.jpg</filename>
                  <size><width>320</width><height>240</height><depth>3</depth></size>
                  <object><name>{label}</name><difficult>0</difficult>
                    <bndbox><xmin>{x + 1}</xmin><ymin>{y + 1}</ymin><xmax>{x + 100}</xmax><ymax>{y + 80}</ymax></bndbox>
                  </object>
                </annotation>
                """);
        }
        File.WriteAllLines(Path.Combine(root, "ImageSets", "Main", "train.txt"), ids);
        File.WriteAllLines(Path.Combine(root, "ImageSets", "Main", "val.txt"), ids.Take(2));
        return root;
    }

    [Fact]
    public void OneEpochOnAVocFolderWithItsOwnClasses_TrainsAndEvaluates_ThenTheFolderIsNotOverwrittenWithoutAWord()
    {
        var voc = WriteCustomVoc(4);
        var run = Path.Combine(_dir, "run");
        var (code, output) = CommandLineTests.Ssdstream(_dir, "train", "--data", voc, "--val-data", voc, "--arch", "ssdlite-mobilenetv2",
            "--out", run, "--epochs", "1", "--batch", "2", "--workers", "1", "--threads", "2", "--warmup", "1");
        Assert.True(code == 0, output);
        Assert.Contains("2 classes: gadget, widget", output);

        (code, output) = CommandLineTests.Ssdstream(_dir, "eval", "--model", Path.Combine(run, "final.ssdm"), "--data", voc, "--threads", "2");
        Assert.True(code == 0, output);
        Assert.Contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]", output);
        Assert.Contains("gadget", output);
        Assert.Contains("widget", output);

        // A second run into the same folder, without --resume or --overwrite: refused, and nothing there changes.
        var before = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, f => (File.GetLastWriteTimeUtc(f), new FileInfo(f).Length));
        (code, output) = CommandLineTests.Ssdstream(_dir, "train", "--data", voc, "--arch", "ssdlite-mobilenetv2", "--out", run, "--epochs", "1", "--batch", "2");
        Assert.Equal(2, code);
        Assert.Contains("--resume", output);
        Assert.Contains("--overwrite", output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var after = Directory.GetFiles(run, "*", SearchOption.AllDirectories).ToDictionary(f => f, f => (File.GetLastWriteTimeUtc(f), new FileInfo(f).Length));
        Assert.Equal(before, after);
    }
}
