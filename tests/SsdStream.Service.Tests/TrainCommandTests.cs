using System.Diagnostics;
using Ssd.Model.Data.Synthetic;
using Ssd.Model.Tests;
using Ssd.Model.Training;

namespace SsdStream.Service.Tests;

/// <summary>The real <c>ssdstream train</c> on a few synthetic images, its output read as a log collector reads it.</summary>
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
}
