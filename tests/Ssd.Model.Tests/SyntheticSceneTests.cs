using OpenCvSharp;
using Ssd.Model.Data;
using Ssd.Model.Data.Synthetic;

namespace Ssd.Model.Tests;

public sealed class SyntheticSceneTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-synth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Bytes(Mat image)
    {
        image.GetArray(out Vec3b[] pixels);
        return pixels.SelectMany(p => new[] { p.Item0, p.Item1, p.Item2 }).ToArray();
    }

    private static void AssertInside(DatasetObject o, int width, int height)
    {
        Assert.InRange(o.X1, 0, width);
        Assert.InRange(o.Y1, 0, height);
        Assert.InRange(o.X2, 0, width);
        Assert.InRange(o.Y2, 0, height);
        Assert.True(o.X2 > o.X1 && o.Y2 > o.Y1, $"empty box {o}");
    }

    // ---- still scenes -------------------------------------------------------------------------------

    [Fact]
    public void Render_SameSeed_GivesIdenticalPixelsAndTruth_AnotherSeedDoesNot()
    {
        var scene = new SyntheticScene();
        using var a = scene.Render(400, 300, 42);
        using var b = scene.Render(400, 300, 42);
        using var c = scene.Render(400, 300, 43);
        Assert.Equal(Bytes(a.Image), Bytes(b.Image));
        Assert.Equal(a.Objects, b.Objects);
        Assert.NotEqual(Bytes(a.Image), Bytes(c.Image));
    }

    [Fact]
    public void Render_GivesAnEightBitBgrFrameOfTheSize_WithOneToEightObjectsInside()
    {
        var scene = new SyntheticScene();
        for (int seed = 0; seed < 20; seed++)
        {
            using var frame = scene.Render(360, 240, seed);
            Assert.Equal((360, 240, MatType.CV_8UC3), (frame.Image.Width, frame.Image.Height, frame.Image.Type()));
            Assert.InRange(frame.Objects.Count, 1, 8);
            foreach (var o in frame.Objects)
            {
                AssertInside(o, 360, 240);
                Assert.InRange(o.ClassId, 1, SyntheticShapes.Count);
                Assert.False(o.IsCrowd);
                Assert.Equal((double)o.Width * o.Height, o.Area);
                // A box is at most the shape's diameter (MaxSize of the short side) plus its outline.
                Assert.True(Math.Max(o.Width, o.Height) <= scene.Options.MaxSize * 240 * 1.05 + 4, $"box {o} is larger than the largest shape");
            }
        }
    }

    [Fact]
    public void Render_PixelsInsideEachTruthBoxDifferFromTheBackground_AndNoPixelOutsideTheBoxesDoes()
    {
        var scene = new SyntheticScene();
        var background = new SyntheticScene(new SyntheticSceneOptions { MinObjects = 0, MaxObjects = 0 });
        for (int seed = 0; seed < 10; seed++)
        {
            const int width = 320, height = 256;
            using var frame = scene.Render(width, height, seed);
            using var empty = background.Render(width, height, seed);
            Assert.Empty(empty.Objects);
            using var diff = new Mat();
            Cv2.Absdiff(frame.Image, empty.Image, diff);
            using var grey = diff.CvtColor(ColorConversionCodes.BGR2GRAY);
            using var changed = grey.Threshold(0, 255, ThresholdTypes.Binary);

            using var outside = changed.Clone();
            foreach (var o in frame.Objects)
            {
                var box = new Rect((int)o.X1, (int)o.Y1, (int)o.Width, (int)o.Height);
                using var inBox = new Mat(changed, box);
                double drawn = Cv2.CountNonZero(inBox) / (double)box.Width / box.Height;
                Assert.True(drawn >= 0.3, $"seed {seed}: only {drawn:P0} of the box of {o} differs from the background");
                outside[box].SetTo(Scalar.All(0));
            }
            Assert.Equal(0, Cv2.CountNonZero(outside));
        }
    }

    [Fact]
    public void Render_OverFiftyImages_DrawsEveryClass_SmallAndLargeObjects_AndOverlaps()
    {
        var scene = new SyntheticScene();
        var classes = new HashSet<int>();
        float smallest = float.MaxValue, largest = 0;
        int overlaps = 0;
        for (int seed = 0; seed < 50; seed++)
        {
            using var frame = scene.Render(300, 300, 1000 + seed);
            foreach (var o in frame.Objects)
            {
                classes.Add(o.ClassId);
                smallest = Math.Min(smallest, Math.Max(o.Width, o.Height));
                largest = Math.Max(largest, Math.Max(o.Width, o.Height));
            }
            var list = frame.Objects;
            for (int i = 0; i < list.Count; i++)
            {
                for (int j = i + 1; j < list.Count; j++)
                {
                    if (Boxes.Iou.Of(list[i].X1, list[i].Y1, list[i].X2, list[i].Y2, list[j].X1, list[j].Y1, list[j].X2, list[j].Y2) > 0) overlaps++;
                }
            }
        }
        Assert.Equal(Enumerable.Range(1, SyntheticShapes.Count), classes.Order());
        // Sizes span the configured range (diameters MinSize..MaxSize of the short side; a box can be a
        // little smaller than its shape's circumscribed circle).
        Assert.True(smallest <= (scene.Options.MinSize + 0.03) * 300, $"smallest object {smallest} px");
        Assert.True(largest >= (scene.Options.MaxSize - 0.1) * 300, $"largest object {largest} px");
        Assert.True(overlaps >= 10, $"{overlaps} overlapping pairs");
    }

    [Fact]
    public void ClassNames_AreTheShapeNamesInClassIdOrder()
    {
        Assert.Equal(["circle", "square", "triangle", "star", "cross", "ring"], SyntheticScene.ClassNames);
        Assert.Equal(4, SyntheticShapes.ClassId(SyntheticShape.Star));
    }

    [Fact]
    public void BadSizesAndOptions_AreClearErrors()
    {
        Assert.Throws<ArgumentException>(() => new SyntheticScene().Render(20, 300, 1));
        var e = Assert.Throws<ArgumentException>(() => new SyntheticScene(new SyntheticSceneOptions { MinObjects = 5, MaxObjects = 2 }));
        Assert.Contains("min (5) <= max (2)", e.Message);
        Assert.Throws<ArgumentException>(() => new SyntheticSceneSequence(640, 10, 1));
    }

    [Fact]
    public void Canvas_ALaterShapeHidesPartOfAnEarlierOne_AndItsTruthBoxShrinksToTheVisiblePart()
    {
        SceneObject Square(double x) => new()
        {
            Shape = SyntheticShape.Square, X = x, Y = 50, Radius = 20 * Math.Sqrt(2), Angle = 0,
            Fill = new Vec3b(200, 0, 0), Outline = new Vec3b(0, 0, 0), OutlineWidth = 1,
        };
        using var canvas = new SceneCanvas(200, 100);
        canvas.Add(ShapeSprite.Draw(Square(50)));           // covers about x 30..70
        var alone = canvas.VisibleBox(0)!.Value;
        Assert.Equal(1.0, canvas.VisibleFraction(0));
        using var over = ShapeSprite.Draw(Square(80));      // covers about x 60..100
        int hidden = canvas.Covered(over)[0];
        Assert.InRange(hidden, 0.2 * canvas[0].Area, 0.35 * canvas[0].Area); // a quarter, plus the anti-aliased edges
        canvas.Add(ShapeSprite.Draw(Square(80)));
        Assert.Equal(canvas[0].Area - hidden, canvas.Visible(0));
        var partly = canvas.VisibleBox(0)!.Value;
        Assert.Equal((alone.X1, alone.Y1, alone.Y2), (partly.X1, partly.Y1, partly.Y2));
        Assert.InRange(partly.X2, 59, 61);
        Assert.Equal(1.0, canvas.VisibleFraction(1));
    }

    // ---- moving scenes ------------------------------------------------------------------------------

    [Fact]
    public void Sequence_SameSeed_GivesIdenticalFrames()
    {
        using var a = new SyntheticSceneSequence(200, 150, 9);
        using var b = new SyntheticSceneSequence(200, 150, 9);
        for (int i = 0; i < 40; i++)
        {
            using var fa = a.RenderNext(out var ta);
            using var fb = b.RenderNext(out var tb);
            Assert.Equal(Bytes(fa), Bytes(fb));
            Assert.Equal(ta, tb);
        }
        Assert.Equal(40, a.FrameCount);
    }

    [Fact]
    public void Sequence_ObjectsMove_EnterAndLeave_AndStayWithinTheFrame()
    {
        const int width = 160, height = 120;
        using var sequence = new SyntheticSceneSequence(width, height, 3);
        var counts = new HashSet<int>();
        int edgeBoxes = 0, changedFrames = 0;
        byte[]? previousPixels = null;
        IReadOnlyList<DatasetObject>? previous = null;
        var classes = new HashSet<int>();
        for (int i = 0; i < 800; i++)
        {
            using var frame = sequence.RenderNext(out var truth);
            Assert.Equal((width, height), (frame.Width, frame.Height));
            counts.Add(truth.Count);
            Assert.True(truth.Count <= sequence.Options.MaxObjects);
            foreach (var o in truth)
            {
                AssertInside(o, width, height);
                classes.Add(o.ClassId);
                if (o.X1 == 0 || o.Y1 == 0 || o.X2 == width || o.Y2 == height) edgeBoxes++;
            }
            if (previous != null && !previous.SequenceEqual(truth)) changedFrames++;
            previous = truth;
            if (i < 2)
            {
                var pixels = Bytes(frame);
                if (previousPixels != null) Assert.NotEqual(previousPixels, pixels); // fresh noise, moved objects
                previousPixels = pixels;
            }
        }
        Assert.True(changedFrames > 700, $"the truth changed in only {changedFrames} of 800 frames");
        Assert.True(edgeBoxes > 0, "no object was ever cut by the frame edge: none entered or left");
        Assert.True(counts.Count >= 3, $"the object count took only the values {string.Join(", ", counts)}");
        Assert.True(classes.Count >= 4, $"only classes {string.Join(", ", classes)} appeared");
    }

    // ---- dataset writer -----------------------------------------------------------------------------

    private static Dictionary<string, byte[]> ReadTree(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes);

    [Fact]
    public void Writer_SameSeed_WritesByteIdenticalFiles_AnotherSeedDoesNot()
    {
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b"), c = Path.Combine(_dir, "c");
        SyntheticDatasetWriter.Write(a, 10, 5, 0.3);
        SyntheticDatasetWriter.Write(b, 10, 5, 0.3);
        SyntheticDatasetWriter.Write(c, 10, 6, 0.3);
        var filesA = ReadTree(a);
        var filesB = ReadTree(b);
        Assert.Equal(filesA.Keys.Order(), filesB.Keys.Order());
        Assert.Contains(Path.Combine("train", "annotations.json"), filesA.Keys);
        Assert.Contains(Path.Combine("val", "annotations.json"), filesA.Keys);
        Assert.Equal(13, filesA.Count); // 10 images, 2 annotation files, labels.txt
        foreach (var (name, bytes) in filesA) Assert.True(bytes.AsSpan().SequenceEqual(filesB[name]), $"{name} differs between two runs with seed 5");
        var filesC = ReadTree(c);
        Assert.False(filesA[Path.Combine("train", "annotations.json")].AsSpan().SequenceEqual(filesC[Path.Combine("train", "annotations.json")]));
    }

    [Fact]
    public void Writer_Output_ReadsBackAsCoco_WithTheSplitSizesAndClassesAndBoxesInsideTheImages()
    {
        string root = Path.Combine(_dir, "set");
        var summary = SyntheticDatasetWriter.Write(root, 12, 11, 0.25);
        Assert.Equal((9, 3), (summary.TrainImages, summary.ValImages));

        var train = CocoDatasetReader.Read(Path.Combine(root, "train", "annotations.json"), Path.Combine(root, "train", "images"));
        var val = DatasetReader.Read(Path.Combine(root, "val", "annotations.json"));
        Assert.Equal((9, 3), (train.Images.Count, val.Images.Count));
        Assert.Equal(SyntheticShapes.ClassNames, train.ClassNames);
        Assert.Equal([1L, 2, 3, 4, 5, 6], train.CategoryIds);
        Assert.Equal(SyntheticShapes.ClassNames, File.ReadAllLines(Path.Combine(root, "labels.txt")));
        var all = train.Images.Concat(val.Images).ToList();
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), all.Select(i => i.Id).Order());
        Assert.Equal(summary.Objects, all.Sum(i => i.Objects.Count));
        foreach (var image in all)
        {
            Assert.InRange(image.Width, 300, 1280);
            Assert.InRange(image.Height, 300, 1280);
            Assert.True(Math.Max(image.Width, image.Height) <= 2 * Math.Min(image.Width, image.Height));
            Assert.InRange(image.Objects.Count, 1, 8);
            foreach (var o in image.Objects)
            {
                AssertInside(o, image.Width, image.Height);
                Assert.Equal((double)o.Width * o.Height, o.Area);
                Assert.False(o.IsCrowd);
            }
        }
        foreach (var image in all.Take(2))
        {
            using var decoded = Cv2.ImRead(image.Path);
            Assert.Equal((image.Width, image.Height), (decoded.Width, decoded.Height));
        }
    }

    [Fact]
    public void Writer_MovingFraction_AddsFramesOfMovingScenes_WithObjectsCutByTheFramesEdge()
    {
        // Still scenes keep every object wholly inside; the synthetic camera's moving scenes do not, and a
        // model trained only on stills is weakest where objects enter and leave a camera's view.
        static bool TouchesEdge(DatasetImage image) =>
            image.Objects.Any(o => o.X1 <= 0 || o.Y1 <= 0 || o.X2 >= image.Width || o.Y2 >= image.Height);
        string still = Path.Combine(_dir, "still"), moving = Path.Combine(_dir, "moving");
        SyntheticDatasetWriter.Write(still, 16, 3, 0);
        var summary = SyntheticDatasetWriter.Write(moving, 16, 3, 0, movingFraction: 0.5);
        Assert.Equal(16, summary.TrainImages);

        var stillImages = DatasetReader.Read(Path.Combine(still, "train", "annotations.json")).Images.OrderBy(i => i.Id).ToList();
        var images = DatasetReader.Read(Path.Combine(moving, "train", "annotations.json")).Images.OrderBy(i => i.Id).ToList();
        Assert.DoesNotContain(stillImages, TouchesEdge);
        // The first half are the same stills; the second half, one moving scene's 8 frames, share its size.
        for (int i = 0; i < 8; i++) Assert.Equal(File.ReadAllBytes(stillImages[i].Path), File.ReadAllBytes(images[i].Path));
        Assert.Single(images.Skip(8).Select(i => (i.Width, i.Height)).Distinct());
        Assert.Contains(images.Skip(8), TouchesEdge);
        foreach (var image in images)
            foreach (var o in image.Objects) AssertInside(o, image.Width, image.Height);
        Assert.Throws<ArgumentException>(() => SyntheticDatasetWriter.Write(Path.Combine(_dir, "bad"), 4, 1, 0, movingFraction: 1.5));
    }

    [Fact]
    public void Writer_IntoADirectoryHoldingADataset_OrWithBadArguments_IsAClearError()
    {
        string root = Path.Combine(_dir, "twice");
        SyntheticDatasetWriter.Write(root, 1, 1, 0);
        var e = Assert.Throws<IOException>(() => SyntheticDatasetWriter.Write(root, 1, 1, 0));
        Assert.Contains("already holds files", e.Message);
        Assert.Throws<ArgumentException>(() => SyntheticDatasetWriter.Write(Path.Combine(_dir, "x"), 0, 1, 0.1));
        Assert.Throws<ArgumentException>(() => SyntheticDatasetWriter.Write(Path.Combine(_dir, "y"), 5, 1, 1.5));
    }
}
