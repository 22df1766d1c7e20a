using Ssd.Model.Data;

namespace SsdStream.Service.Commands;

/// <summary>What <c>--skip-bad</c> left out of a dataset, on stderr, with the first ten reasons (<c>train</c> and <c>eval</c>).</summary>
internal static class DatasetSkips
{
    /// <summary>The bad annotations and images that reading left out.</summary>
    public static void ReportRead(DetectionDataset d)
    {
        if (d.SkippedAnnotations == 0 && d.SkippedImages == 0) return;
        Print($"{d.Source}: skipped {d.SkippedAnnotations} bad annotations and {d.SkippedImages} images", d.SkipReasons);
    }

    /// <summary>The images left out because they did not decode (known once they were met).</summary>
    public static void ReportUndecodable(DetectionDataset d)
    {
        var undecodable = d.Undecodable;
        if (undecodable.Count == 0) return;
        Print($"{d.Source}: skipped {undecodable.Count} images that cannot be decoded", undecodable);
    }

    private static void Print(string summary, IReadOnlyList<string> reasons)
    {
        Console.Error.WriteLine(summary);
        foreach (var reason in reasons.Take(10)) Console.Error.WriteLine($"  {reason}");
        if (reasons.Count > 10) Console.Error.WriteLine($"  ... and {reasons.Count - 10} more");
    }
}
