using System.Runtime.ExceptionServices;
using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// Writes a synthetic detection dataset in COCO layout:
/// <code>
/// outDir/labels.txt                  class names, one a line, in class-id order (for --classes)
/// outDir/train/annotations.json      COCO: categories 1..N with the shape names, bbox [x, y, w, h] in pixels,
/// outDir/train/images/000001.jpg     area = w * h, iscrowd 0; image ids 1..images over both splits
/// outDir/val/annotations.json
/// outDir/val/images/...
/// </code>
/// Images are JPEG (quality 95), each side uniform in [<see cref="MinSide"/>, <see cref="MaxSide"/>] pixels with
/// the long side at most <see cref="MaxAspect"/> times the short one, holding 1-8 objects
/// (<see cref="SyntheticScene"/>). A share of them can be frames of moving scenes as the synthetic camera draws
/// them (<see cref="SyntheticSceneSequence"/>): objects entering and leaving across the frame's edge and passing
/// over each other, which still scenes never show; their truth lists the objects at least half visible, as
/// the tracking ground truth counts them. Everything follows from the seed: the same seed and count give the
/// same files, byte for byte, however many threads render them.
/// </summary>
public static class SyntheticDatasetWriter
{
    public const int MinSide = 300;
    public const int MaxSide = 1280;
    public const double MaxAspect = 2.0;
    public const int JpegQuality = 95;

    /// <summary>Frames taken from each moving scene, <see cref="FrameGap"/> frames apart (the scene changes between them).</summary>
    public const int FramesPerSequence = 8;

    /// <summary>Frames between two images of one moving scene.</summary>
    public const int FrameGap = 15;

    /// <param name="outDir">Created when missing; its train/ and val/ must not exist yet or be empty.</param>
    /// <param name="images">Images over both splits, at least 1.</param>
    /// <param name="valFraction">Share of the images that go to val/, in [0, 1] (rounded to whole images).</param>
    /// <param name="movingFraction">Share of the images that are frames of moving scenes, in [0, 1] (rounded to whole images); 0 gives the same files as before this option existed.</param>
    public static SyntheticDatasetSummary Write(string outDir, int images, int seed, double valFraction, SyntheticSceneOptions? options = null, double movingFraction = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        if (images < 1) throw new ArgumentException($"the image count must be at least 1, got {images}", nameof(images));
        if (!(valFraction >= 0 && valFraction <= 1)) throw new ArgumentException($"the validation fraction must lie in [0, 1], got {valFraction}", nameof(valFraction));
        if (!(movingFraction >= 0 && movingFraction <= 1)) throw new ArgumentException($"the moving fraction must lie in [0, 1], got {movingFraction}", nameof(movingFraction));
        var scene = new SyntheticScene(options);

        string root = Path.GetFullPath(outDir);
        string[] splitDirs = [Path.Combine(root, "train"), Path.Combine(root, "val")];
        foreach (var dir in splitDirs)
        {
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new IOException($"'{dir}' already holds files; write the dataset to a new or empty directory");
        }
        foreach (var dir in splitDirs) Directory.CreateDirectory(Path.Combine(dir, "images"));

        var plan = Plan(images, seed, valFraction, movingFraction);
        var objects = new IReadOnlyList<DatasetObject>[images];
        var encoding = new ImageEncodingParam(ImwriteFlags.JpegQuality, JpegQuality);
        // One job per still image, one per moving scene (its frames are rendered in order).
        var jobs = Enumerable.Range(0, images).Where(i => plan[i].Frame < 0 || plan[i].Frame == plan[i].FirstFrame).ToArray();
        try
        {
            Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, first =>
            {
                var p = plan[first];
                if (p.Frame < 0)
                {
                    using var frame = scene.Render(p.Width, p.Height, p.Seed);
                    Save(first, frame.Image, frame.Objects);
                    return;
                }
                using var sequence = new SyntheticSceneSequence(p.Width, p.Height, p.Seed, scene.Options);
                for (int i = first; i < Math.Min(images, first + FramesPerSequence); i++)
                {
                    while (sequence.FrameCount < plan[i].Frame) sequence.RenderNext(out _).Dispose();
                    using var image = sequence.RenderNext(out var truth);
                    Save(i, image, truth);
                }
            });
        }
        catch (AggregateException e)
        {
            // The first failure as itself (an IOException, say), not wrapped.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        void Save(int i, Mat image, IReadOnlyList<DatasetObject> truth)
        {
            string path = ImagePath(splitDirs[plan[i].Val ? 1 : 0], i);
            if (!Cv2.ImWrite(path, image, encoding)) throw new IOException($"could not write '{path}'");
            objects[i] = truth;
        }

        var classIds = Enumerable.Range(1, SyntheticShapes.Count).Select(i => (long)i).ToArray();
        string[] annotationFiles = new string[2];
        int[] counts = new int[2];
        for (int split = 0; split < 2; split++)
        {
            var list = Enumerable.Range(0, images)
                .Where(i => plan[i].Val == (split == 1))
                .Select(i => new DatasetImage(i + 1, ImagePath(splitDirs[split], i), plan[i].Width, plan[i].Height, objects[i]))
                .ToArray();
            var dataset = new DetectionDataset(splitDirs[split], SyntheticShapes.ClassNames, classIds, list);
            annotationFiles[split] = Path.Combine(splitDirs[split], "annotations.json");
            CocoDatasetWriter.Write(dataset, annotationFiles[split], Path.Combine(splitDirs[split], "images"),
                $"ssdstream synthetic shapes, seed {seed}, {(split == 0 ? "train" : "val")}");
            counts[split] = list.Length;
        }
        File.WriteAllLines(Path.Combine(root, "labels.txt"), SyntheticShapes.ClassNames);

        var perClass = new int[SyntheticShapes.Count];
        foreach (var o in objects.SelectMany(list => list)) perClass[o.ClassId - 1]++;
        return new SyntheticDatasetSummary(root, annotationFiles[0], annotationFiles[1], counts[0], counts[1], perClass);
    }

    private static string ImagePath(string splitDir, int index) => Path.Combine(splitDir, "images", $"{index + 1:D6}.jpg");

    /// <summary>One image: its size, its scene's seed, its split, and for a frame of a moving scene its frame index and the scene's first (-1 for a still scene).</summary>
    private readonly record struct ImagePlan(int Width, int Height, int Seed, bool Val, int Frame = -1, int FirstFrame = -1);

    /// <summary>
    /// Size, scene seed and split of every image, drawn in order from the one seed; then the last images, the
    /// moving share, become frames of moving scenes, <see cref="FramesPerSequence"/> a scene, each scene with
    /// the size of its first image and a seed of a million or more (so the small seeds that tests and
    /// measurements use for the synthetic camera's videos are never trained on).
    /// </summary>
    private static ImagePlan[] Plan(int images, int seed, double valFraction, double movingFraction)
    {
        var random = new Random(seed);
        var plan = new ImagePlan[images];
        for (int i = 0; i < images; i++)
        {
            int width = random.Next(MinSide, MaxSide + 1);
            int minHeight = Math.Max(MinSide, (int)Math.Ceiling(width / MaxAspect));
            int maxHeight = Math.Min(MaxSide, (int)Math.Floor(width * MaxAspect));
            int height = random.Next(minHeight, maxHeight + 1);
            plan[i] = new ImagePlan(width, height, random.Next(), false);
        }
        // The validation images: the first valCount of a seeded shuffle.
        int valCount = (int)Math.Round(images * valFraction, MidpointRounding.AwayFromZero);
        var order = Enumerable.Range(0, images).ToArray();
        random.Shuffle(order);
        foreach (int i in order.Take(valCount)) plan[i] = plan[i] with { Val = true };

        int movingCount = (int)Math.Round(images * movingFraction, MidpointRounding.AwayFromZero);
        for (int first = images - movingCount; first < images; first += FramesPerSequence)
        {
            int sceneSeed = random.Next(1_000_000, int.MaxValue);
            int firstFrame = random.Next(FrameGap);
            for (int k = 0; k < FramesPerSequence && first + k < images; k++)
            {
                int frame = firstFrame + k * FrameGap;
                plan[first + k] = plan[first + k] with { Width = plan[first].Width, Height = plan[first].Height, Seed = sceneSeed, Frame = frame, FirstFrame = firstFrame };
            }
        }
        return plan;
    }
}

/// <summary>What <see cref="SyntheticDatasetWriter.Write"/> wrote: where, how many images per split, and objects per class (index = class id - 1).</summary>
public sealed record SyntheticDatasetSummary(string Root, string TrainAnnotations, string ValAnnotations, int TrainImages, int ValImages, IReadOnlyList<int> ObjectsPerClass)
{
    public int Objects => ObjectsPerClass.Sum();
}
