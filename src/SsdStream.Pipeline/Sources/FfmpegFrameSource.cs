using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace SsdStream.Pipeline.Sources;

/// <summary>Settings of an ffmpeg-decoded network stream.</summary>
/// <param name="Url">rtsp://, rtsps://, http(s)://, udp:// (credentials allowed; they are masked in logs).</param>
/// <param name="Transport">RTSP transport.</param>
/// <param name="InputArguments">Extra ffmpeg arguments before <c>-i</c> (hardware decoding, say <c>-hwaccel vaapi</c>).</param>
/// <param name="MaxFps">At most this many frames per second are delivered, evenly spaced (ffmpeg's select filter).</param>
/// <param name="OpenTimeout">How long to wait for the stream's first frame size.</param>
public sealed record FfmpegSourceOptions(
    string Url,
    StreamTransport Transport = StreamTransport.Tcp,
    IReadOnlyList<string>? InputArguments = null,
    double? MaxFps = null,
    TimeSpan? OpenTimeout = null,
    string FfmpegPath = "ffmpeg");

/// <summary>
/// A network stream decoded by an ffmpeg child process to raw BGR frames on its standard output
/// (OpenCV's bundled FFmpeg has no network protocols here). The frame size is read from ffmpeg's own
/// description of its output. The process is always killed and reaped when reading stops; its standard
/// error goes to the log at debug level with credentials masked.
/// </summary>
public sealed partial class FfmpegFrameSource(FfmpegSourceOptions options, ILogger logger) : IFrameSource
{
    public static readonly string[] Schemes = ["rtsp://", "rtsps://", "http://", "https://", "udp://", "rtmp://", "srt://", "tcp://"];

    public string Description => $"stream {UrlMasker.Mask(options.Url)}";

    public double? FramesPerSecond { get; private set; }

    public static bool IsNetworkUrl(string source) => Schemes.Any(s => source.StartsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>The ffmpeg command line for these options (the URL included: never log it unmasked).</summary>
    public IReadOnlyList<string> Arguments()
    {
        var args = new List<string> { "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info" };
        if (options.Url.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            args.AddRange(["-rtsp_transport", options.Transport == StreamTransport.Udp ? "udp" : "tcp"]);
        }
        // Low latency for live network streams (on a file, nobuffer loses the first frame).
        if (IsNetworkUrl(options.Url)) args.AddRange(["-fflags", "nobuffer", "-flags", "low_delay"]);
        if (options.InputArguments != null) args.AddRange(options.InputArguments);
        args.AddRange(["-i", options.Url, "-an", "-sn", "-dn"]);
        // passthrough: frames leave as decoded (kept by the cap), never duplicated to a constant rate.
        if (options.MaxFps is { } fps and > 0) args.AddRange(["-vf", CapFilter(fps), "-vsync", "passthrough"]);
        args.AddRange(["-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]);
        return args;
    }

    /// <summary>
    /// ffmpeg's select filter keeping at most <paramref name="fps"/> frames per second of the stream's time
    /// line, evenly spaced (the same rule as <see cref="FrameRateCap"/>: a frame is kept when it starts a
    /// new 1/fps slot). Unlike the fps filter it never duplicates frames of a slower stream; with
    /// <c>-vsync passthrough</c> the kept frames leave as they come. Frames without a timestamp are kept.
    /// </summary>
    private static string CapFilter(double fps)
    {
        string f = fps.ToString("0.###", CultureInfo.InvariantCulture);
        // The 0.001 absorbs rounding in timestamps that fall exactly on a slot boundary.
        return $"select='isnan(prev_selected_t)+isnan(t)+gt(floor(t*{f}+0.001),floor(prev_selected_t*{f}+0.001))'";
    }

    public async IAsyncEnumerable<CapturedImage> ReadAsync([EnumeratorCancellation] CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(options.FfmpegPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var a in Arguments()) start.ArgumentList.Add(a);
        Processes.OwnSession.Apply(start);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new FrameSourceException($"{Description}: ffmpeg did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FrameSourceException($"{Description}: cannot run '{options.FfmpegPath}' ({e.Message}); install ffmpeg", e);
        }
        var size = new TaskCompletionSource<(int W, int H, double? Fps)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastError = new string[1];
        var stderr = Task.Run(() => PumpStandardError(process, size, lastError), CancellationToken.None);
        try
        {
            (int width, int height, double? fps) info;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                timeout.CancelAfter(options.OpenTimeout ?? TimeSpan.FromSeconds(15));
                var exited = process.WaitForExitAsync(timeout.Token);
                var first = await Task.WhenAny(size.Task, exited).ConfigureAwait(false);
                if (first != size.Task)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (process.HasExited)
                        throw new FrameSourceException($"{Description}: ffmpeg exited with code {process.ExitCode} before the first frame{Detail(lastError[0])}");
                    throw new FrameSourceException($"{Description}: no video within {(options.OpenTimeout ?? TimeSpan.FromSeconds(15)).TotalSeconds:0.#} s{Detail(lastError[0])}");
                }
                info = size.Task.Result;
            }
            FramesPerSecond = FrameRateCap.KeptRate(options.MaxFps, info.fps);
            int frameBytes = info.width * info.height * 3;
            var stdout = process.StandardOutput.BaseStream;
            // One buffer for every frame: each frame leaves as its own copy (a 1080p frame is 6 MB, which
            // would otherwise be a large-object-heap allocation per frame).
            var buffer = new byte[frameBytes];
            while (true)
            {
                int read = await stdout.ReadAtLeastAsync(buffer, frameBytes, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
                if (read < frameBytes)
                {
                    await WaitForExit(process).ConfigureAwait(false);
                    throw new FrameSourceException($"{Description}: stream ended (ffmpeg exit code {(process.HasExited ? process.ExitCode : -1)}){Detail(lastError[0])}");
                }
                // The view over the managed buffer is only a header; the frame gets its own copy.
                using var view = Mat.FromPixelData(info.height, info.width, MatType.CV_8UC3, buffer);
                var mat = view.Clone();
                yield return new CapturedImage(mat, DateTimeOffset.UtcNow);
            }
        }
        finally
        {
            Kill(process);
            await WaitForExit(process).ConfigureAwait(false);
            try { await stderr.ConfigureAwait(false); } catch (Exception e) when (e is IOException or InvalidOperationException) { }
            process.Dispose();
        }
    }

    private static string Detail(string? line) => string.IsNullOrEmpty(line) ? "" : $": {line}";

    private void PumpStandardError(Process process, TaskCompletionSource<(int, int, double?)> size, string[] lastError)
    {
        bool inOutput = false;
        double? inputFps = null;
        string? line;
        while ((line = process.StandardError.ReadLine()) != null)
        {
            var safe = UrlMasker.MaskIn(line, options.Url);
            LogFfmpegLine(logger, safe);
            if (line.Contains("rror", StringComparison.Ordinal) || line.Contains("failed", StringComparison.OrdinalIgnoreCase) || line.Contains("refused", StringComparison.OrdinalIgnoreCase))
                lastError[0] = safe.Trim();
            if (line.StartsWith("Output #0", StringComparison.Ordinal)) inOutput = true;
            var fpsMatch = FpsPattern().Match(line);
            if (!inOutput && fpsMatch.Success && line.Contains("Video:", StringComparison.Ordinal))
                inputFps = double.Parse(fpsMatch.Groups[1].Value, CultureInfo.InvariantCulture);
            if (inOutput && line.Contains("Video: rawvideo", StringComparison.Ordinal))
            {
                var m = SizePattern().Match(line);
                if (m.Success)
                {
                    size.TrySetResult((int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), inputFps));
                }
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static async Task WaitForExit(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "ffmpeg: {Line}")]
    private static partial void LogFfmpegLine(ILogger logger, string line);

    [GeneratedRegex(@", (\d{2,5})x(\d{2,5})[ ,\[]")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@", (\d+(?:\.\d+)?) fps")]
    private static partial Regex FpsPattern();
}
