using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ssd.Model.Checkpoints;
using Ssd.Model.Data;
using Ssd.Model.Devices;
using Ssd.Model.Evaluation;

using static SsdStream.Service.Commands.CliOptions;

namespace SsdStream.Service.Commands;

/// <summary><c>ssdstream eval</c>: COCO mAP of a model on a dataset, printed as pycocotools prints it.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CliOptions.Model();
        var data = new Option<string>("--data") { Description = "COCO annotation JSON or Pascal VOC directory", Required = true };
        var images = new Option<string?>("--images") { Description = "Image directory of a COCO dataset" };
        var imageSet = new Option<string>("--image-set") { Description = "VOC image set", DefaultValueFactory = _ => "val" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the 12 numbers and AP per class as JSON" };
        var detections = new Option<FileInfo?>("--detections") { Description = "Write the detections in COCO results format (for pycocotools)" };
        var batch = new Option<int>("--batch") { Description = "Images per inference batch", DefaultValueFactory = _ => 8 }.Accepting(v => v >= 1, "at least 1");
        var skipBad = new Option<bool>("--skip-bad") { Description = "Skip bad annotations and report how many" };
        var threads = CliOptions.Threads();
        var device = CliOptions.Device();
        var half = CliOptions.Half();
        var engine = CliOptions.Engine();
        var command = new Command("eval", "COCO mAP@[.5:.95] and the other 11 COCO numbers of a model on a dataset")
            { model, data, images, imageSet, json, detections, batch, skipBad, engine, threads, device, half };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var settings = CliOptions.Detector(parse, engine, device, half, threads);
            var loaded = ModelDescription.Read(parse.GetValue(model)!.FullName);
            var dataset = DatasetReader.Read(parse.GetValue(data)!, parse.GetValue(images), VocImageSet(parse.GetValue(data)!, parse.GetValue(imageSet)), parse.GetValue(skipBad), Directory.Exists(parse.GetValue(data)!) ? loaded.ClassNames : null);
            DatasetSkips.ReportRead(dataset);
            if (!dataset.ClassNames.SequenceEqual(loaded.ClassNames))
                throw new ArgumentException($"the model's classes ({string.Join(", ", loaded.ClassNames)}) differ from the dataset's ({string.Join(", ", dataset.ClassNames)})");
            using var detector = CliOptions.OpenDetector(parse.GetValue(model)!.FullName, settings, DatasetEvaluation.EvaluationOptions);
            var (metrics, found) = DatasetEvaluation.Run(detector, dataset, parse.GetValue(batch));
            DatasetSkips.ReportUndecodable(dataset);
            Console.WriteLine($"{dataset.Images.Count} images, {dataset.ObjectCount} objects, {found.Count} detections");
            Console.WriteLine(metrics.Summary);
            Console.WriteLine("AP per class:");
            for (int i = 0; i < dataset.ClassNames.Count; i++)
            {
                var ap = metrics.ApPerCategory.GetValueOrDefault((int)dataset.CategoryIds[i], -1);
                Console.WriteLine($"  {dataset.ClassNames[i],-16} {ap:0.000}");
            }
            if (parse.GetValue(json) is { } jsonFile)
            {
                var names = new[] { "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl" };
                var stats = new JsonObject();
                for (int i = 0; i < names.Length; i++) stats[names[i]] = metrics.Stats[i];
                var perClass = new JsonObject();
                for (int i = 0; i < dataset.ClassNames.Count; i++) perClass[dataset.ClassNames[i]] = metrics.ApPerCategory.GetValueOrDefault((int)dataset.CategoryIds[i], -1);
                File.WriteAllText(jsonFile.FullName, new JsonObject { ["model"] = parse.GetValue(model)!.Name, ["images"] = dataset.Images.Count, ["stats"] = stats, ["ap_per_class"] = perClass }
                    .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            if (parse.GetValue(detections) is { } detectionsFile)
            {
                var array = new JsonArray(found.Select(d => (JsonNode)new JsonObject
                {
                    ["image_id"] = d.ImageId,
                    ["category_id"] = d.CategoryId,
                    ["bbox"] = new JsonArray(Math.Round(d.X, 2), Math.Round(d.Y, 2), Math.Round(d.Width, 2), Math.Round(d.Height, 2)),
                    ["score"] = Math.Round(d.Score, 5),
                }).ToArray());
                File.WriteAllText(detectionsFile.FullName, array.ToJsonString());
            }
            return 0;
        }));
        return command;
    }
}
