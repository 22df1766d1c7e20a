using System.Globalization;

namespace SsdStream.Pipeline.Tracking.Evaluation;

/// <summary>A ground-truth row of a MOT Challenge <c>gt.txt</c>; box in pixels, [left, top, width, height].</summary>
/// <param name="Frame">From 1.</param>
/// <param name="Consider">False for an object to ignore (mostly outside the frame or hidden): column 7 is 0.</param>
public sealed record MotGroundTruthRow(int Frame, int Id, double Left, double Top, double Width, double Height, bool Consider, int ClassId, double Visibility);

/// <summary>A tracker's result row in MOT Challenge results format; box in pixels, [left, top, width, height].</summary>
/// <param name="Frame">From 1.</param>
public sealed record MotResultRow(int Frame, int Id, double Left, double Top, double Width, double Height, double Score, int ClassId);

/// <summary>A line of a MOT Challenge file that cannot be read; the message is one line naming file and line.</summary>
public sealed class MotFormatException(string message) : Exception(message);

/// <summary>
/// Reads MOT Challenge text files: comma-separated, one box per line, blank lines skipped.
/// Ground truth: <c>frame,id,left,top,width,height,consider,class_id[,visibility]</c>.
/// Results: <c>frame,id,left,top,width,height[,score[,class_id[,...]]]</c>; as TrackEval does, a row
/// without a class id is class 1.
/// </summary>
public static class MotFile
{
    public static IReadOnlyList<MotGroundTruthRow> ReadGroundTruth(string path)
    {
        using var reader = new StreamReader(path);
        return ReadGroundTruth(reader, Path.GetFileName(path));
    }

    public static IReadOnlyList<MotResultRow> ReadResults(string path)
    {
        using var reader = new StreamReader(path);
        return ReadResults(reader, Path.GetFileName(path));
    }

    /// <summary>Reads ground truth from <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<MotGroundTruthRow> ReadGroundTruth(TextReader reader, string name) =>
        Read(reader, name, minColumns: 8, (f, at) => new MotGroundTruthRow(
            Frame(f, at), Integer(f, 1, "id", at), f[2], f[3], Size(f, 4, "width", at), Size(f, 5, "height", at),
            (long)f[6] != 0, ClassId(f, at), f.Length > 8 ? f[8] : 1));

    /// <summary>Reads results from <paramref name="reader"/>; <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<MotResultRow> ReadResults(TextReader reader, string name) =>
        Read(reader, name, minColumns: 6, (f, at) => new MotResultRow(
            Frame(f, at), Integer(f, 1, "id", at), f[2], f[3], Size(f, 4, "width", at), Size(f, 5, "height", at),
            f.Length > 6 ? f[6] : 1, f.Length > 7 ? ClassId(f, at) : 1));

    private static List<T> Read<T>(TextReader reader, string name, int minColumns, Func<double[], string, T> row)
    {
        var rows = new List<T>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string at = $"{name} line {lineNumber}";
            var parts = line.Split(',');
            if (parts.Length < minColumns)
                throw new MotFormatException($"{at}: {parts.Length} columns; at least {minColumns} expected.");
            var fields = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out fields[i]) || !double.IsFinite(fields[i]))
                    throw new MotFormatException($"{at}: column {i + 1} ('{parts[i].Trim()}') is not a number.");
            rows.Add(row(fields, at));
        }
        return rows;
    }

    private static int Frame(double[] f, string at)
    {
        int frame = Integer(f, 0, "frame", at);
        return frame >= 1 ? frame : throw new MotFormatException($"{at}: frame {frame}; frames count from 1.");
    }

    private static int ClassId(double[] f, string at)
    {
        int c = Integer(f, 7, "class id", at);
        return c >= 0 ? c : throw new MotFormatException($"{at}: class id {c} in column 8; write the class id the ground truth uses.");
    }

    private static int Integer(double[] f, int column, string what, string at)
    {
        double v = f[column];
        return v == Math.Floor(v) && v >= int.MinValue && v <= int.MaxValue
            ? (int)v
            : throw new MotFormatException($"{at}: {what} (column {column + 1}) is {v.ToString(CultureInfo.InvariantCulture)}, not a whole number.");
    }

    private static double Size(double[] f, int column, string what, string at) =>
        f[column] >= 0 ? f[column] : throw new MotFormatException($"{at}: {what} (column {column + 1}) is negative.");
}
