using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Boxes;

/// <summary>
/// The default boxes of an SSD, generated from a <see cref="DefaultBoxConfig"/> in the order the heads
/// emit them: map by map; within a map, for each box size, for each row, for each column.
/// Boxes are fractions of the image, clamped to [0, 1].
/// </summary>
public sealed class DefaultBoxes
{
    private readonly float[] _cxcywh;

    public DefaultBoxes(DefaultBoxConfig config)
    {
        Config = config;
        _cxcywh = Generate(config);
        Count = _cxcywh.Length / 4;
    }

    public DefaultBoxConfig Config { get; }

    /// <summary>Number of boxes, B.</summary>
    public int Count { get; }

    /// <summary>Boxes as a flat array <c>[B * 4]</c> of (cx, cy, w, h), box-major.</summary>
    public ReadOnlySpan<float> CxCyWh => _cxcywh;

    /// <summary>Box <paramref name="i"/> as (cx, cy, w, h).</summary>
    public (float Cx, float Cy, float W, float H) this[int i] =>
        (_cxcywh[4 * i], _cxcywh[4 * i + 1], _cxcywh[4 * i + 2], _cxcywh[4 * i + 3]);

    /// <summary>The boxes as a new tensor <c>[B, 4]</c> of (cx, cy, w, h).</summary>
    public Tensor ToTensorCxCyWh(Device? device = null) =>
        tensor(_cxcywh, [Count, 4], ScalarType.Float32, device);

    /// <summary>The boxes as a new tensor <c>[B, 4]</c> of (x1, y1, x2, y2).</summary>
    public Tensor ToTensorXyxy(Device? device = null)
    {
        var xyxy = new float[_cxcywh.Length];
        for (int i = 0; i < Count; i++)
        {
            float cx = _cxcywh[4 * i], cy = _cxcywh[4 * i + 1], w = _cxcywh[4 * i + 2], h = _cxcywh[4 * i + 3];
            xyxy[4 * i] = cx - 0.5f * w;
            xyxy[4 * i + 1] = cy - 0.5f * h;
            xyxy[4 * i + 2] = cx + 0.5f * w;
            xyxy[4 * i + 3] = cy + 0.5f * h;
        }
        return tensor(xyxy, [Count, 4], ScalarType.Float32, device);
    }

    private static float[] Generate(DefaultBoxConfig c)
    {
        var boxes = new List<float>(c.BoxCount * 4);
        double fig = c.FigureSize;
        for (int k = 0; k < c.FeatureSizes.Count; k++)
        {
            int size = c.FeatureSizes[k];
            double fk = fig / c.Steps[k];
            double sk1 = c.Scales[k] / fig;
            double sk2 = c.Scales[k + 1] / fig;
            double sk3 = Math.Sqrt(sk1 * sk2);
            var sizes = new List<(double W, double H)> { (sk1, sk1), (sk3, sk3) };
            foreach (int a in c.AspectRatios[k])
            {
                double r = Math.Sqrt(a);
                sizes.Add((sk1 * r, sk1 / r));
                sizes.Add((sk1 / r, sk1 * r));
            }
            foreach (var (w, h) in sizes)
            {
                for (int i = 0; i < size; i++)
                {
                    for (int j = 0; j < size; j++)
                    {
                        double cx = (j + 0.5) / fk, cy = (i + 0.5) / fk;
                        boxes.Add((float)Math.Clamp(cx, 0, 1));
                        boxes.Add((float)Math.Clamp(cy, 0, 1));
                        boxes.Add((float)Math.Clamp(w, 0, 1));
                        boxes.Add((float)Math.Clamp(h, 0, 1));
                    }
                }
            }
        }
        return boxes.ToArray();
    }
}
