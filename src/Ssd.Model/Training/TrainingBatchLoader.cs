using OpenCvSharp;
using Ssd.Model.Boxes;
using Ssd.Model.Data;

namespace Ssd.Model.Training;

/// <summary>
/// Loads, augments and encodes training batches on worker threads ahead of the training step. Each
/// epoch visits the images in a shuffled order, and each batch draws its randomness from
/// (seed, epoch, batch index), so an epoch is the same whether or not the run was resumed and however
/// many workers there are. Crowd objects are left out of the targets.
/// </summary>
public sealed class TrainingBatchLoader
{
    private readonly IReadOnlyList<DatasetImage> _images;
    private readonly DetectionDataset _dataset;
    private readonly BoxCoder _coder;
    private readonly SsdTrainingTransform _transform;

    /// <param name="dataset">The training set; read with skipBad, an image that does not decode gives its place in a batch to the next one in the epoch's order.</param>
    public TrainingBatchLoader(DetectionDataset dataset, BoxCoder coder, int inputSize, int batchSize, int workers, int seed)
    {
        var images = dataset.Images;
        if (images.Count == 0) throw new ArgumentException("the training set has no images", nameof(dataset));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "at least one worker");
        _images = images;
        _dataset = dataset;
        _coder = coder;
        _transform = new SsdTrainingTransform(inputSize);
        BatchSize = Math.Min(batchSize, images.Count);
        Workers = workers;
        Seed = seed;
    }

    public int BatchSize { get; }

    public int Workers { get; }

    public int Seed { get; }

    /// <summary>Full batches per epoch (a last partial batch is dropped, as batch norm dislikes tiny batches).</summary>
    public int BatchesPerEpoch => _images.Count / BatchSize;

    /// <summary>The image order of an epoch (1-based).</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, _images.Count).ToArray();
        new Random(StableSeed(Seed, epoch, -1)).Shuffle(order);
        return order;
    }

    /// <summary>The batches of <paramref name="epoch"/> in order, prepared up to 2 x workers ahead.</summary>
    public IEnumerable<TrainingBatch> Epoch(int epoch, CancellationToken cancellation)
    {
        var order = Order(epoch);
        using var gate = new SemaphoreSlim(Workers);
        var pending = new Queue<Task<TrainingBatch>>();
        int next = 0;
        int ahead = 2 * Workers;
        try
        {
            while (next < BatchesPerEpoch || pending.Count > 0)
            {
                while (next < BatchesPerEpoch && pending.Count < ahead)
                {
                    int batch = next++;
                    pending.Enqueue(Task.Run(async () =>
                    {
                        await gate.WaitAsync(cancellation).ConfigureAwait(false);
                        try { return Build(order, epoch, batch, cancellation); }
                        finally { gate.Release(); }
                    }, cancellation));
                }
                yield return pending.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            // Let running workers finish before the semaphore goes away.
            foreach (var t in pending)
            {
                try { t.Wait(); } catch (AggregateException) { }
            }
        }
    }

    private TrainingBatch Build(int[] order, int epoch, int batch, CancellationToken cancellation)
    {
        int s = _transform.Size;
        int b = _coder.DefaultBoxes.Count;
        var images = new float[BatchSize * 3 * s * s];
        var offsets = new float[BatchSize * 4 * b];
        var labels = new long[BatchSize * b];
        var random = new Random(StableSeed(Seed, epoch, batch));
        for (int k = 0; k < BatchSize; k++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var sample = LoadAt(order, batch * BatchSize + k);
            _transform.Apply(sample, random, images.AsSpan(k * 3 * s * s, 3 * s * s));
            var (o, l) = _coder.Encode(sample.Boxes, sample.Labels);
            o.CopyTo(offsets, k * 4 * b);
            l.CopyTo(labels, k * b);
        }
        return new TrainingBatch(BatchSize, images, offsets, labels);
    }

    /// <summary>
    /// The sample at <paramref name="position"/> of the epoch's order, or, when that image does not decode and
    /// the dataset skips such images, the next one that does (the same one in every run, so a resumed run
    /// sees the same batches).
    /// </summary>
    private TrainingSample LoadAt(int[] order, int position)
    {
        for (int tried = 0; tried < order.Length; tried++)
        {
            if (_dataset.TryLoad(_images[order[(position + tried) % order.Length]]) is { } sample) return sample;
        }
        throw new DatasetException($"{_dataset.Source}: none of its {order.Length} images can be decoded");
    }

    /// <summary>A seed mixed from (seed, epoch, batch) that is the same in every process (HashCode is not).</summary>
    internal static int StableSeed(int seed, int epoch, int batch)
    {
        ulong x = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xC2B2AE3D27D4EB4FUL ^ (ulong)(uint)batch * 0x165667B19E3779F9UL;
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        return (int)(x & 0x7FFFFFFF);
    }

    /// <summary>Reads an image and its non-crowd objects as boxes in 0..1 of the image.</summary>
    public static TrainingSample LoadSample(DatasetImage image)
    {
        var mat = Imaging.ImageFile.Read(image.Path);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new DatasetException($"{image.Path}: image {image.Id} cannot be decoded");
        }
        var objects = image.Objects.Where(o => !o.IsCrowd).ToList();
        var boxes = new float[4 * objects.Count];
        var labels = new long[objects.Count];
        for (int i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            boxes[4 * i] = Math.Clamp(o.X1 / image.Width, 0f, 1f);
            boxes[4 * i + 1] = Math.Clamp(o.Y1 / image.Height, 0f, 1f);
            boxes[4 * i + 2] = Math.Clamp(o.X2 / image.Width, 0f, 1f);
            boxes[4 * i + 3] = Math.Clamp(o.Y2 / image.Height, 0f, 1f);
            labels[i] = o.ClassId;
        }
        return new TrainingSample(mat, boxes, labels);
    }
}
