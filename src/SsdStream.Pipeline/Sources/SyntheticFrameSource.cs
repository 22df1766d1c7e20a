using System.Runtime.CompilerServices;
using Ssd.Model.Data.Synthetic;

namespace SsdStream.Pipeline.Sources;

/// <summary>
/// An endless, deterministic test camera: the shapes of <c>dataset synth</c> moving over a cluttered
/// background, entering and leaving, rendered at the configured size and frame rate. The same seed
/// gives the same frames.
/// </summary>
public sealed class SyntheticFrameSource(int width, int height, double fps, int seed) : IFrameSource
{
    public string Description => $"synthetic {width}x{height} at {fps:0.#} fps (seed {seed})";

    public double? FramesPerSecond => fps;

    public async IAsyncEnumerable<CapturedImage> ReadAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        using var scene = new SyntheticSceneSequence(width, height, seed);
        var interval = TimeSpan.FromSeconds(1 / fps);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        while (!cancellation.IsCancellationRequested)
        {
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellation).ConfigureAwait(false);
            next += interval;
            if (clock.Elapsed - next > TimeSpan.FromSeconds(1)) next = clock.Elapsed;
            var image = scene.RenderNext(out _);
            yield return new CapturedImage(image, DateTimeOffset.UtcNow);
        }
    }
}
