using OpenCvSharp;

namespace SsdStream.Service.Tests;

/// <summary><c>ssdstream train</c> and <c>eval</c> on a user's own data in Pascal VOC layout, and the guard on a used output folder.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

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
