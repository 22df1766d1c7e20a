using System.CommandLine;
using System.Globalization;
using SsdStream.Pipeline.Tracking.Evaluation;

namespace SsdStream.Service.Commands;

/// <summary>
/// <c>ssdstream eval-track</c>: the MOT Challenge's tracking metrics (<see cref="MotEvaluator"/>) of a results
/// file against ground truth, per class and overall, as a table.
/// </summary>
internal static class EvalTrackCommand
{
    public static Command Create()
    {
        var gt = new Option<FileInfo>("--gt")
        {
            Description = "Ground truth in MOT Challenge format (frame,id,left,top,width,height,consider,class_id[,visibility]); class names come from labels.txt beside its folder",
            Required = true,
        };
        var results = new Option<FileInfo>("--results")
        {
            Description = "Tracker results in MOT Challenge format (frame,id,left,top,width,height,score,class_id,...), as `track` writes them",
            Required = true,
        };
        var command = new Command("eval-track", "HOTA, MOTA, MOTP, IDF1 and the other MOT Challenge metrics of tracker results against ground truth, per class and overall")
            { gt, results };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            var gtFile = parse.GetValue(gt)!;
            var resultsFile = parse.GetValue(results)!;
            if (!gtFile.Exists) throw new FileNotFoundException($"--gt '{gtFile.FullName}' does not exist", gtFile.FullName);
            if (!resultsFile.Exists) throw new FileNotFoundException($"--results '{resultsFile.FullName}' does not exist", resultsFile.FullName);
            var truth = MotFile.ReadGroundTruth(gtFile.FullName);
            if (truth.Count == 0) throw new BadInputException($"--gt '{gtFile.FullName}' holds no ground truth");
            var found = MotFile.ReadResults(resultsFile.FullName);
            var evaluation = new MotEvaluator().Evaluate(truth, found);
            var names = ClassNames(gtFile);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ground truth: {gtFile.FullName}: {truth.Select(r => r.Frame).Distinct().Count()} frames, {truth.Select(r => (r.ClassId, r.Id)).Distinct().Count()} objects, {truth.Count} boxes"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"results: {resultsFile.FullName}: {found.Select(r => (r.ClassId, r.Id)).Distinct().Count()} objects, {found.Count} boxes"));
            Console.WriteLine("percent, except counts; IoU 0.5 for CLEAR and identity; ground truth with consider 0 ignored");
            var rows = evaluation.PerClass.Select(p => (Name: p.Key >= 1 && p.Key <= names.Count ? names[p.Key - 1] : p.Key.ToString(CultureInfo.InvariantCulture), Metrics: p.Value))
                .Append(("overall", evaluation.Overall)).ToList();
            Console.Write(Table(rows));
            return 0;
        }));
        return command;
    }

    /// <summary>Class names in class-id order (id 1 first) from <c>labels.txt</c> in the ground truth's folder or the one above it (synth-video's layout, <c>&lt;dir&gt;/gt/gt.txt</c>); empty when there is none.</summary>
    private static IReadOnlyList<string> ClassNames(FileInfo gtFile)
    {
        foreach (var dir in new[] { gtFile.Directory, gtFile.Directory?.Parent })
        {
            var labels = dir is null ? null : Path.Combine(dir.FullName, "labels.txt");
            if (File.Exists(labels)) return File.ReadAllLines(labels).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        }
        return [];
    }

    private static string Table(IReadOnlyList<(string Name, MotMetrics Metrics)> rows)
    {
        string[] header = ["class", "HOTA", "DetA", "AssA", "MOTA", "MOTP", "IDF1", "IDP", "IDR", "IDsw", "MT", "PT", "ML", "GT ids", "GT boxes", "TP", "FP", "FN"];
        var cells = rows.Select(r =>
        {
            var m = r.Metrics;
            return new[]
            {
                r.Name, Percent(m.Hota), Percent(m.DetA), Percent(m.AssA), Percent(m.Mota), Percent(m.Motp), Percent(m.Idf1), Percent(m.Idp), Percent(m.Idr),
                Count(m.IdSwitches), Count(m.MostlyTracked), Count(m.PartlyTracked), Count(m.MostlyLost), Count(m.GroundTruthIds), Count(m.GroundTruthBoxes),
                Count(m.TruePositives), Count(m.FalsePositives), Count(m.FalseNegatives),
            };
        }).ToList();
        var widths = header.Select((h, i) => cells.Select(c => c[i].Length).Append(h.Length).Max()).ToArray();
        var text = new System.Text.StringBuilder();
        Line(header);
        foreach (var c in cells) Line(c);
        return text.ToString();

        void Line(string[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (i > 0) text.Append("  ");
                text.Append(i == 0 ? values[i].PadRight(widths[i]) : values[i].PadLeft(widths[i]));
            }
            text.Append('\n');
        }
    }

    private static string Percent(double ratio) => (100 * ratio).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Count(int count) => count.ToString(CultureInfo.InvariantCulture);
}
