using System.Collections;
using System.Globalization;
using System.Text.Json;
using OpenCvSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Ssd.Model.Tests;

/// <summary>
/// The parity fixture of tests/fixtures/parity (made by make_reference.py): the reference networks' weights
/// from a closed formula, written as a PyTorch checkpoint, and the formula image. Shared by the model's
/// parity test and the command line's engine parity test.
/// </summary>
internal static class ParityFixture
{
    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "parity", name);

    /// <summary>Writes the formula weights of <paramref name="fixture"/> (ssd300 or ssdlite) as torch.save's checkpoint at <paramref name="path"/>.</summary>
    public static void WriteCheckpoint(string fixture, string path)
    {
        using var scope = NewDisposeScope();
        using var reference = JsonDocument.Parse(System.IO.File.ReadAllText(File($"{fixture}_reference.json")));
        var weights = FormulaWeights(File($"{fixture}_keys.txt"), reference.RootElement.GetProperty("formula_constants"));
        PyTorchPickler.PickleStateDict(path, weights);
        foreach (DictionaryEntry e in weights) ((Tensor)e.Value!).Dispose();
    }

    /// <summary>
    /// The reference's weights: for the k-th state-dict entry (in the keys file's PyTorch order), value i
    /// is a closed formula of sin(0.7 i + 1.3 k), as the fixture's "formula" field states.
    /// </summary>
    public static Hashtable FormulaWeights(string keysFile, JsonElement constants)
    {
        double g = constants.GetProperty("G").GetDouble();
        double locW = constants.GetProperty("LOC_W").GetDouble();
        double confW = constants.GetProperty("CONF_W").GetDouble();
        double confB = constants.GetProperty("CONF_B").GetDouble();
        var table = new Hashtable();
        int k = 0;
        foreach (var line in System.IO.File.ReadLines(keysFile))
        {
            if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line)) continue;
            var parts = line.Split(' ');
            string key = parts[0];
            long[] shape = parts[1] == "scalar" ? [] : parts[1].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            if (key.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
            {
                table[key] = tensor(0L);
                k++;
                continue;
            }
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var values = new float[n];
            Func<double, double> f;
            if (key.EndsWith(".running_mean", StringComparison.Ordinal)) f = s => 0.01 * s;
            else if (key.EndsWith(".running_var", StringComparison.Ordinal)) f = s => 1 + 0.1 * Math.Abs(s);
            else if (key.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 1) f = s => 1 + 0.1 * s;
            else if (key.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 4)
            {
                double m = key.StartsWith("conf.", StringComparison.Ordinal) ? confW : key.StartsWith("loc.", StringComparison.Ordinal) ? locW : 1;
                double scale = g * m / Math.Sqrt(shape[1] * shape[2] * shape[3]);
                f = s => scale * s;
            }
            else if (key.EndsWith(".bias", StringComparison.Ordinal))
            {
                double b = key.StartsWith("conf.", StringComparison.Ordinal) ? confB : 0.01;
                f = s => b * s;
            }
            else throw new InvalidDataException($"no formula for key {key}");
            for (long i = 0; i < n; i++) values[i] = (float)f(Math.Sin(0.7 * i + 1.3 * k));
            table[key] = tensor(values, shape);
            k++;
        }
        return table;
    }

    /// <summary>The fixture's 300x300 formula image as a BGR Mat, and its RGB bytes (HWC) for the checksum.</summary>
    public static Mat FormulaImage(out byte[] rgb)
    {
        const int size = 300;
        rgb = new byte[size * size * 3];
        (int X0, int X1, int Y0, int Y1, byte R, byte G, byte B)[] rects =
        [
            (40, 120, 50, 200, 220, 30, 30), (150, 280, 30, 110, 20, 200, 60), (170, 260, 160, 270, 30, 60, 210),
            (20, 90, 220, 290, 240, 240, 240), (100, 150, 120, 170, 10, 10, 10),
        ];
        var mat = new Mat(size, size, MatType.CV_8UC3);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                byte r = (byte)((7 * x + 3 * y) % 256), gg = (byte)((5 * x + 11 * y + x * y / 32) % 256), b = (byte)((x * y + 13 * x) % 256);
                foreach (var q in rects)
                {
                    if (x >= q.X0 && x < q.X1 && y >= q.Y0 && y < q.Y1) (r, gg, b) = (q.R, q.G, q.B);
                }
                int o = 3 * (y * size + x);
                rgb[o] = r; rgb[o + 1] = gg; rgb[o + 2] = b;
                mat.Set(y, x, new Vec3b(b, gg, r));
            }
        }
        return mat;
    }
}
