using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Ssd.Model.Checkpoints;
using Ssd.Model.Devices;
using Ssd.Model.Inference;
using SsdStream.Pipeline.Results;
using SsdStream.Pipeline.Tracking;
using SsdStream.Pipeline.Tracking.Evaluation;
using SsdStream.Service.Configuration;

namespace SsdStream.Service.Commands;

/// <summary>
/// <c>ssdstream track</c>: runs detection and a camera's tracker (<see cref="ObjectEventTracker"/>, with that
/// camera's Tracker, Zones, Masks and Filter and the Model section's post-processing, from the daemon's
/// configuration) over every frame of a video file, and writes the objects of each frame in MOT Challenge
/// results format, for <c>eval-track</c>: each detection that belongs to an object, with the object's id
/// and its label at that frame. An object's life starts at its track's first detection (its
/// <c>start_time</c>), so once a track is confirmed its detections from before are written too.
/// </summary>
internal static class TrackCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("video") { Description = "Video file" };
        var model = CliOptions.Model();
        var output = new Option<FileInfo>("--out")
        {
            Description = "Results file to write in MOT Challenge format: frame,id,left,top,width,height,score,class_id,-1,-1 (frames from 1, pixels)",
            Required = true,
        };
        var config = new Option<string?>("--config")
        {
            Description = "Extra configuration file over appsettings.json, as `run` reads it; a relative path starts at the current folder",
        };
        var camera = new Option<string?>("--camera") { Description = "The camera whose Tracker, Zones, Masks and Filter to use (default: the first camera)" };
        var device = CliOptions.Device();
        var half = CliOptions.Half();
        var threads = CliOptions.Threads();
        var engine = CliOptions.Engine();
        var command = new Command("track", """
            Detect and track objects in a video file with a camera's tracker settings, writing each frame's
            objects (from each object's first detection) in MOT Challenge results format (for eval-track).
            The configuration is the daemon's (appsettings.json at the content root, --config, SSDSTREAM__
            environment variables); its Model:Path is --model. Frame times come from the frame index and the
            video's frame rate.
            """)
            { input, model, output, config, camera, engine, device, half, threads };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var video = parse.GetValue(input)!;
            if (!video.Exists) throw new FileNotFoundException($"video '{video.FullName}' does not exist", video.FullName);
            var modelFile = parse.GetValue(model)!;
            if (!modelFile.Exists) throw new FileNotFoundException($"--model '{modelFile.FullName}' does not exist", modelFile.FullName);
            var outFile = parse.GetValue(output)!;
            if (outFile.Directory is { Exists: false } folder) throw new BadInputException($"--out '{outFile.FullName}': folder '{folder.FullName}' does not exist");

            // Like `run`, --config starts at the current folder; the model the configuration names is the one run here.
            var configFile = parse.GetValue(config) is { Length: > 0 } c ? Path.GetFullPath(c) : null;
            if (DaemonConfiguration.LoadReporting(configFile, [$"--Model:Path={modelFile.FullName}"]) is not { } configuration) return ExitCodes.Configuration;
            var options = configuration.Options;
            var cameraOptions = PickCamera(options, parse.GetValue(camera));

            var settings = CliOptions.Detector(parse, engine, device, half, threads, options.Model.Detector);
            using var detector = CliOptions.OpenDetector(modelFile.FullName, settings, options.Model.PostProcess);
            var tracker = new ObjectEventTracker(cameraOptions.Name, cameraOptions.Tracker, cameraOptions.Zones, cameraOptions.Masks);
            var summary = new VideoTracking(detector, tracker, cameraOptions).Run(video.FullName, outFile.FullName);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Frames} frames, {summary.Objects} objects, {summary.Events} events ({summary.News} new, {summary.Updates} update, {summary.Ends} end), "
                + $"{summary.MillisecondsPerFrame:0.0} ms/frame (tracking {summary.TrackingMillisecondsPerFrame:0.000} ms/frame); camera '{cameraOptions.Name}'; wrote {outFile.FullName}"));
            return 0;
        }));
        return command;
    }

    /// <summary>The camera named <paramref name="name"/>, or the first camera when none is named.</summary>
    private static CameraOptions PickCamera(SsdStreamOptions options, string? name)
    {
        if (name is null) return options.Cameras[0]; // the configuration holds at least one camera: it validated
        return options.Cameras.FirstOrDefault(c => c.Name == name)
            ?? throw new BadInputException($"--camera '{name}': the configuration has no such camera (it has {string.Join(", ", options.Cameras.Select(c => $"'{c.Name}'"))})");
    }

    private sealed record Summary(int Frames, int Objects, int News, int Updates, int Ends, double MillisecondsPerFrame, double TrackingMillisecondsPerFrame)
    {
        public int Events => News + Updates + Ends;
    }

    /// <summary>One video through detection and a tracker, written as MOT Challenge results.</summary>
    private sealed class VideoTracking(SsdDetector detector, ObjectEventTracker tracker, CameraOptions camera)
    {
        private readonly float[] _input = new float[detector.Preprocessor.ImageLength];
        private readonly Dictionary<string, int> _numbers = []; // object id -> the integer id MOT files need, from 1
        private readonly List<PixelDetection> _candidates = [];
        private readonly Dictionary<int, List<(int Frame, PixelDetection Detection)>> _tentative = []; // track number -> its detections before confirmation
        private readonly HashSet<int> _tracksInFrame = [];
        private readonly List<MotResultRow> _rows = [];
        private int _news, _updates, _ends;

        public Summary Run(string videoPath, string resultsPath)
        {
            using var capture = new VideoCapture(videoPath);
            if (!capture.IsOpened()) throw new InvalidDataException($"'{videoPath}' is not a video OpenCV can read");
            double fps = capture.Fps;
            if (!(fps > 0 && fps < 1000))
            {
                fps = 25;
                Console.Error.WriteLine($"note: '{videoPath}' does not say its frame rate; timing its frames at {fps} frames per second");
            }
            var origin = DateTimeOffset.UnixEpoch;
            var clock = Stopwatch.StartNew();
            var tracking = new Stopwatch();
            int index = 0;
            using (var frame = new Mat())
            {
                while (capture.Read(frame) && !frame.Empty())
                {
                    detector.Preprocessor.Write(frame, _input);
                    var detections = PixelDetection.FromNormalised(detector.Detect(_input, 1)[0], frame.Width, frame.Height, detector.Label);
                    // The tracker sees what the camera's filter keeps by label and area, at every score.
                    _candidates.Clear();
                    foreach (var d in detections) if (camera.Filter.AcceptsApartFromScore(d)) _candidates.Add(d);
                    var time = origin + TimeSpan.FromTicks((long)Math.Round(index * TimeSpan.TicksPerSecond / fps));

                    tracking.Start();
                    var objects = tracker.Process(time, frame.Width, frame.Height, _candidates);
                    tracking.Stop();

                    Count(objects.Events);
                    Collect(index + 1, objects);
                    index++;
                }
                tracking.Start();
                Count(tracker.EndAll());
                tracking.Stop();
            }
            if (index == 0) throw new InvalidDataException($"'{videoPath}' holds no frames OpenCV can decode");
            Write(resultsPath);
            return new Summary(index, _numbers.Count, _news, _updates, _ends,
                clock.Elapsed.TotalMilliseconds / index, tracking.Elapsed.TotalMilliseconds / index);
        }

        // The frame's detections that belong to an object, and those of a track confirmed in this frame from
        // before; a tentative track's detections wait, and go when it ends unconfirmed (it missed this frame).
        private void Collect(int frameNumber, ObjectFrame frame)
        {
            _tracksInFrame.Clear();
            for (int i = 0; i < frame.DetectionTracks.Count; i++)
            {
                int track = frame.DetectionTracks[i];
                if (track < 0) continue;
                _tracksInFrame.Add(track);
                var d = _candidates[i];
                if (frame.DetectionObjectIds[i] is not { } id)
                {
                    if (!_tentative.TryGetValue(track, out var waiting)) _tentative[track] = waiting = [];
                    waiting.Add((frameNumber, d));
                    continue;
                }
                if (!_numbers.TryGetValue(id, out int number)) _numbers[id] = number = _numbers.Count + 1;
                int classId = ClassOf(id);
                if (_tentative.Remove(track, out var earlier))
                    foreach (var (f, e) in earlier) _rows.Add(Row(f, number, e, classId));
                _rows.Add(Row(frameNumber, number, d, classId));
            }
            foreach (int track in _tentative.Keys)
                if (!_tracksInFrame.Contains(track)) _tentative.Remove(track);
        }

        private int ClassOf(string objectId)
        {
            foreach (var o in tracker.Objects) if (o.Id == objectId) return o.ClassId;
            throw new InvalidOperationException($"object {objectId} has a detection but is not current");
        }

        private static MotResultRow Row(int frame, int id, PixelDetection d, int classId) =>
            new(frame, id, d.X1, d.Y1, d.X2 - d.X1, d.Y2 - d.Y1, d.Score, classId);

        // One line per row, by frame and id: frame,id,left,top,width,height,score,class_id,-1,-1.
        private void Write(string resultsPath)
        {
            using var results = new StreamWriter(resultsPath) { NewLine = "\n" };
            foreach (var r in _rows.OrderBy(r => r.Frame).ThenBy(r => r.Id))
                results.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Frame},{r.Id},{r.Left:0.##},{r.Top:0.##},{r.Width:0.##},{r.Height:0.##},{r.Score:0.####},{r.ClassId},-1,-1"));
        }

        private void Count(IReadOnlyList<ObjectEvent> events)
        {
            foreach (var e in events)
            {
                switch (e.Type)
                {
                    case ObjectEventType.New: _news++; break;
                    case ObjectEventType.Update: _updates++; break;
                    default: _ends++; break;
                }
            }
        }
    }
}
