using System.CommandLine;
using System.Text.Json;
using OpenCvSharp;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Imaging;
using Ssd.Model.Inference;
using Ssd.Model.PostProcessing;
using SsdStream.Pipeline.Processing;
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
        var score = new Option<float>("--score") { Description = "Minimum score of a detection (the daemon's default camera filter)", DefaultValueFactory = _ => DetectionFilter.DefaultMinScore };
        var nms = new Option<float>("--nms") { Description = "NMS IoU threshold", DefaultValueFactory = _ => 0.45f };
        var max = new Option<int>("--max") { Description = "Most detections per frame", DefaultValueFactory = _ => 200 };
        var json = new Option<string?>("--json") { Description = "Write the JSON lines to this file ('-' or absent: standard output)" };
        var annotate = new Option<FileInfo?>("--annotate") { Description = "Write the image or video with the detections drawn" };
        var timings = new Option<bool>("--timings") { Description = "Print network and post-processing time per frame to standard error" };
        var device = CliOptions.Device();
        var half = CliOptions.Half();
        var threads = CliOptions.Threads();
        var command = new Command("detect", "Detect objects in an image or video file")
            { input, model, score, nms, max, json, annotate, timings, device, half, threads };
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
            TorchRuntime.Initialise(parse.GetValue(threads));
            var computeDevice = ComputeDevice.Select(parse.GetValue(device)!, parse.GetValue(half));
            using var detector = new SsdDetector(ModelFile.Load(parse.GetValue(model)!.FullName), computeDevice, options);

            var jsonTarget = parse.GetValue(json);
            using var output = jsonTarget is null or "-" ? Console.OpenStandardOutput() : File.Create(jsonTarget);
            var run = new Run(detector, output, parse.GetValue(annotate)?.FullName, parse.GetValue(timings));
            if (ImageExtensions.Contains(inputFile.Extension)) run.Image(inputFile.FullName);
            else run.Video(inputFile.FullName);
            return 0;
        }));
        return command;
    }

    private sealed class Run(SsdDetector detector, Stream output, string? annotatePath, bool timings)
    {
        private readonly float[] _input = new float[detector.Preprocessor.ImageLength];

        public void Image(string path)
        {
            using var image = Cv2.ImRead(path, ImreadModes.Color);
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
            VideoWriter? writer = null;
            try
            {
                using var frame = new Mat();
                int index = 0;
                while (capture.Read(frame) && !frame.Empty())
                {
                    var detections = DetectFrame(frame, index++);
                    if (annotatePath is null) continue;
                    writer ??= OpenWriter(annotatePath, fps, frame.Size());
                    DetectionPainter.Draw(frame, detections);
                    writer.Write(frame);
                }
                if (index == 0) throw new InvalidDataException($"'{path}' holds no frames OpenCV can decode");
            }
            finally
            {
                writer?.Dispose();
            }
        }

        private static VideoWriter OpenWriter(string path, double fps, OpenCvSharp.Size size)
        {
            FourCC fourcc = Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".avi" => FourCC.MJPG,
                _ => FourCC.FromString("mp4v"),
            };
            var writer = new VideoWriter(path, fourcc, fps, size);
            if (!writer.IsOpened())
            {
                writer.Dispose();
                throw new IOException($"could not open '{path}' for writing video");
            }
            return writer;
        }

        private PixelDetection[] DetectFrame(Mat frame, int index)
        {
            detector.Preprocessor.Write(frame, _input);
            var detections = detector.Detect(_input, 1)[0];
            var pixels = PixelDetection.FromNormalised(detections, frame.Width, frame.Height, detector.Model.Label);
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
