using System.Runtime.CompilerServices;
using Ssd.Model.Data.Synthetic;

namespace SsdStream.Pipeline.Sources;

/// <summary>
/// An endless, deterministic test camera: the shapes of <c>dataset synth</c> moving over a cluttered
/// background, entering and leaving, rendered at the configured size and frame rate. The same seed
/// gives the same frames.
/// </summary>
/// <param name="options">Object sizes and counts; null for the defaults (those of <c>dataset synth</c>).</param>
public sealed class SyntheticFrameSource(int width, int height, double fps, int seed, SyntheticSceneOptions? options = null) : IFrameSource
{
    public string Description => $"synthetic {width}x{height} at {fps:0.#} fps (seed {seed})";

    public double? FramesPerSecond => fps;

    public async IAsyncEnumerable<CapturedImage> ReadAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        using var scene = new SyntheticSceneSequence(width, height, seed, options);
        var pacer = new FramePacer(TimeSpan.FromSeconds(1 / fps));
        while (!cancellation.IsCancellationRequested)
        {
            await pacer.WaitAsync(cancellation).ConfigureAwait(false);
            var image = scene.RenderNext(out _);
            yield return new CapturedImage(image, DateTimeOffset.UtcNow);
        }
    }
}
