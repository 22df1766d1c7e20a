using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace SsdStream.Pipeline.Recording;

/// <summary>
/// H.264 in MP4 with the index at the front (<c>+faststart</c>, plays in a browser while downloading),
/// encoded by an ffmpeg child process fed raw BGR frames on its standard input. The process is always
/// reaped.
/// </summary>
public sealed class FfmpegSegmentEncoder : ISegmentEncoder
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Task<string> _stderr;
    private readonly string _path;
    private bool _finished;

    private FfmpegSegmentEncoder(Process process, string path)
    {
        _process = process;
        _path = path;
        _input = process.StandardInput.BaseStream;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static ISegmentEncoder Open(string ffmpeg, string path, int width, int height, double fps)
    {
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "-hide_banner", "-nostats", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}", "-r", fps.ToString("0.###", CultureInfo.InvariantCulture), "-i", "pipe:0",
            "-an", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", ((int)Math.Max(1, Math.Round(fps * 2))).ToString(CultureInfo.InvariantCulture),
            "-movflags", "+faststart", "-f", "mp4", path,
        ];
        foreach (var a in args) start.ArgumentList.Add(a);
        Processes.OwnSession.Apply(start);
        try
        {
            var process = Process.Start(start) ?? throw new IOException($"ffmpeg did not start for {path}");
            process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            return new FfmpegSegmentEncoder(process, path);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"cannot run '{ffmpeg}': {e.Message}", e);
        }
    }

    public unsafe void Write(Mat frame)
    {
        try
        {
            if (frame.IsContinuous())
            {
                _input.Write(new ReadOnlySpan<byte>((void*)frame.Data, (int)(frame.Total() * frame.ElemSize())));
            }
            else
            {
                using var copy = frame.Clone();
                _input.Write(new ReadOnlySpan<byte>((void*)copy.Data, (int)(copy.Total() * copy.ElemSize())));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new IOException($"ffmpeg stopped taking frames for {_path}: {Error()}", e);
        }
    }

    public void Finish()
    {
        try
        {
            _input.Close();
        }
        catch (IOException)
        {
            // ffmpeg already gone; its exit code says why.
        }
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            throw new IOException($"ffmpeg did not finish {_path} in time");
        }
        _finished = true;
        if (_process.ExitCode != 0) throw new IOException($"ffmpeg failed on {_path} (exit code {_process.ExitCode}): {Error()}");
    }

    private string Error()
    {
        try
        {
            return _stderr.Wait(TimeSpan.FromSeconds(2)) ? _stderr.Result.Trim() : "";
        }
        catch (AggregateException)
        {
            return "";
        }
    }

    public void Dispose()
    {
        if (!_finished)
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
            }
        }
        _process.Dispose();
    }
}

/// <summary>Opens ffmpeg H.264 encoders.</summary>
public sealed class FfmpegSegmentEncoderFactory(string ffmpeg) : ISegmentEncoderFactory
{
    public string Codec => "h264";

    public ISegmentEncoder Open(string path, int width, int height, double fps) => FfmpegSegmentEncoder.Open(ffmpeg, path, width, height, fps);

    /// <summary>Whether <paramref name="ffmpeg"/> runs and has the libx264 encoder.</summary>
    public static bool IsAvailable(string ffmpeg)
    {
        try
        {
            var start = new ProcessStartInfo(ffmpeg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-hide_banner", "-encoders" }) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var output = p.StandardOutput.ReadToEndAsync();
            p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                p.Kill();
                return false;
            }
            return p.ExitCode == 0 && output.Result.Contains("libx264", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
