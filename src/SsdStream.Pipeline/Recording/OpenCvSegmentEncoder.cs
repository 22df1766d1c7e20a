using OpenCvSharp;

namespace SsdStream.Pipeline.Recording;

/// <summary>MPEG-4 Part 2 (mp4v) through OpenCV's VideoWriter, for machines without ffmpeg.</summary>
public sealed class OpenCvSegmentEncoder : ISegmentEncoder
{
    private readonly VideoWriter _writer;
    private readonly string _path;

    public OpenCvSegmentEncoder(string path, int width, int height, double fps)
    {
        _path = path;
        _writer = new VideoWriter(path, FourCC.FromString("mp4v"), fps, new Size(width, height));
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            throw new IOException($"OpenCV cannot open {path} for writing");
        }
    }

    public void Write(Mat frame)
    {
        _writer.Write(frame);
        if (!File.Exists(_path)) throw new IOException($"{_path} disappeared while recording");
    }

    public void Finish() => _writer.Release();

    public void Dispose() => _writer.Dispose();
}

/// <summary>Opens OpenCV mp4v encoders.</summary>
public sealed class OpenCvSegmentEncoderFactory : ISegmentEncoderFactory
{
    public string Codec => "mp4v";

    public ISegmentEncoder Open(string path, int width, int height, double fps) => new OpenCvSegmentEncoder(path, width, height, fps);
}
