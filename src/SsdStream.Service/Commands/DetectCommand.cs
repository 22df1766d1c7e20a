using System.CommandLine;
using System.Text.Json;
using OpenCvSharp;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Imaging;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;
using SsdStream.Pipeline.Processing;
using SsdStream.Pipeline.Recording;
using SsdStream.Pipeline.Results;

namespace SsdStream.Service.Commands;

/// <summary>
/// <c>ssdstream detect</c>: runs a model on an image or a video file and writes one JSON line per frame
/// with boxes in the original frame's pixels, and optionally the annotated image or video.
/// </summary>
internal static class DetectCommand
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
        { ".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm" };

    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "Image or video file" };
        var model = CliOptions.Model();
        var score = new Option<float>("--score") { Description = "Minimum score of a detection (the daemon's default camera filter)", DefaultValueFactory = _ => DetectionFilter.DefaultMinScore }
            .Accepting(v => v >= 0 && v < 1, "in [0, 1)");
        var nms = new Option<float>("--nms") { Description = "NMS IoU threshold", DefaultValueFactory = _ => new PostProcessOptions().NmsThreshold }
            .Accepting(v => v > 0 && v <= 1, "in (0, 1]");
        var max = new Option<int>("--max") { Description = "Most detections per frame", DefaultValueFactory = _ => new PostProcessOptions().MaxDetections }
            .Accepting(v => v >= 1, "at least 1");
        var json = new Option<string?>("--json") { Description = "Write the JSON lines to this file ('-' or absent: standard output)" };
        var annotate = new Option<FileInfo?>("--annotate") { Description = "Write the image or video with the detections drawn" };
        var timings = new Option<bool>("--timings") { Description = "Print network and post-processing time per frame to standard error" };
        var device = CliOptions.Device();
        var half = CliOptions.Half();
        var threads = CliOptions.Threads();
        var engine = CliOptions.Engine();
        var command = new Command("detect", "Detect objects in an image or video file")
            { input, model, score, nms, max, json, annotate, timings, engine, device, half, threads };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var inputFile = parse.GetValue(input)!;
            if (!inputFile.Exists) throw new FileNotFoundException($"input '{inputFile.FullName}' does not exist", inputFile.FullName);
            var options = new PostProcessOptions
            {
                ScoreThreshold = parse.GetValue(score),
                NmsThreshold = parse.GetValue(nms),
                MaxDetections = parse.GetValue(max),
            };
            options.Validate();
            var settings = CliOptions.Detector(parse, engine, device, half, threads);
            using var detector = CliOptions.OpenDetector(parse.GetValue(model)!.FullName, settings, options);

            var annotatePath = parse.GetValue(annotate)?.FullName;
            bool isImage = ImageExtensions.Contains(inputFile.Extension);
            if (annotatePath != null) CheckAnnotationPath(annotatePath, isImage);
            var jsonTarget = parse.GetValue(json);
            using var output = jsonTarget is null or "-" ? Console.OpenStandardOutput() : File.Create(jsonTarget);
            var run = new Run(detector, output, annotatePath, parse.GetValue(timings));
            if (isImage) run.Image(inputFile.FullName);
            else run.Video(inputFile.FullName);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The annotated output takes the input's kind: an image for an image (any extension OpenCV writes), an
    /// H.264 MP4 for a video, as the recorder writes. Anything else is refused before the model loads.
    /// </summary>
    private static void CheckAnnotationPath(string path, bool inputIsImage)
    {
        var extension = Path.GetExtension(path);
        if (inputIsImage && !ImageExtensions.Contains(extension))
            throw new BadInputException($"--annotate '{path}': an image's annotation is an image; use one of {string.Join(", ", ImageExtensions)}");
        if (!inputIsImage && !string.Equals(extension, ".mp4", StringComparison.OrdinalIgnoreCase))
            throw new BadInputException($"--annotate '{path}': a video's annotation is an H.264 MP4 video; give a .mp4 path");
        if (Path.GetDirectoryName(path) is { } folder && !Directory.Exists(folder))
            throw new BadInputException($"--annotate '{path}': folder '{folder}' does not exist");
    }

    private sealed class Run(SsdDetector detector, Stream output, string? annotatePath, bool timings)
    {
        private readonly float[] _input = new float[detector.Preprocessor.ImageLength];

        public void Image(string path)
        {
            using var image = Ssd.Model.Imaging.ImageFile.Read(path);
            if (image.Empty()) throw new InvalidDataException($"'{path}' is not an image OpenCV can read");
            var detections = DetectFrame(image, 0);
            if (annotatePath is null) return;
            DetectionPainter.Draw(image, detections);
            if (!Cv2.ImWrite(annotatePath, image)) throw new IOException($"could not write '{annotatePath}' (unknown image extension?)");
        }

        public void Video(string path)
        {
            using var capture = new VideoCapture(path);
            if (!capture.IsOpened()) throw new InvalidDataException($"'{path}' is neither an image nor a video OpenCV can read");
            double fps = capture.Fps is > 0 and < 1000 ? capture.Fps : 25;
            ISegmentEncoder? writer = null;
            try
            {
                using var frame = new Mat();
                int index = 0;
                while (capture.Read(frame) && !frame.Empty())
                {
                    var detections = DetectFrame(frame, index++);
                    if (annotatePath is null) continue;
                    writer ??= OpenWriter(annotatePath, fps, frame.Width, frame.Height);
                    DetectionPainter.Draw(frame, detections);
                    writer.Write(frame);
                }
                if (index == 0) throw new InvalidDataException($"'{path}' holds no frames OpenCV can decode");
                writer?.Finish();
            }
            finally
            {
                writer?.Dispose();
            }
        }

        /// <summary>The recorder's encoder: H.264 through ffmpeg, or OpenCV's mp4v with a note when ffmpeg is missing.</summary>
        private static ISegmentEncoder OpenWriter(string path, double fps, int width, int height)
        {
            var encoders = SegmentEncoders.Best(new RecordingSettings().Ffmpeg);
            if (encoders is not FfmpegSegmentEncoderFactory) Console.Error.WriteLine("note: ffmpeg with libx264 was not found; the annotated video is mp4v, which fewer players play");
            return encoders.Open(path, width, height, fps);
        }

        private PixelDetection[] DetectFrame(Mat frame, int index)
        {
            detector.Preprocessor.Write(frame, _input);
            var detections = detector.Detect(_input, 1)[0];
            var pixels = PixelDetection.FromNormalised(detections, frame.Width, frame.Height, detector.Label);
            WriteJson(index, frame.Width, frame.Height, pixels);
            if (timings)
            {
                var (forward, post) = detector.LastTimings;
                Console.Error.WriteLine($"frame {index}: network {forward.TotalMilliseconds:0.0} ms, post-processing {post.TotalMilliseconds:0.00} ms, {detections.Length} detections");
            }
            return pixels;
        }

        private void WriteJson(int index, int width, int height, IReadOnlyList<PixelDetection> detections)
        {
            using (var w = new Utf8JsonWriter(output))
            {
                w.WriteStartObject();
                w.WriteNumber("frame", index);
                w.WriteNumber("width", width);
                w.WriteNumber("height", height);
                DetectionJson.WriteArray(w, detections);
                w.WriteEndObject();
            }
            output.WriteByte((byte)'\n');
            output.Flush();
        }
    }
}
