using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// Stacks shape sprites on a width x height frame, later ones over earlier ones, and keeps which sprite
/// each pixel shows. From that it answers how much of a sprite a new one would hide, how much of each
/// sprite is visible, and the tight box of its visible pixels; and it paints the stack onto an image.
/// Owns the sprites added.
/// </summary>
internal sealed class SceneCanvas : IDisposable
{
    private readonly int _width;
    private readonly int _height;
    private readonly ushort[] _owner; // 0: background, k: sprite k - 1
    private readonly List<ShapeSprite> _sprites = [];
    private readonly List<int> _visible = [];

    public SceneCanvas(int width, int height)
    {
        _width = width;
        _height = height;
        _owner = new ushort[width * height];
    }

    public int Count => _sprites.Count;

    public ShapeSprite this[int index] => _sprites[index];

    /// <summary>For each sprite already on the canvas, how many of its visible pixels <paramref name="sprite"/> would cover.</summary>
    public int[] Covered(ShapeSprite sprite)
    {
        var covered = new int[_sprites.Count];
        ForEachCoveredPixel(sprite, (p, _) =>
        {
            int owner = _owner[p];
            if (owner != 0) covered[owner - 1]++;
        });
        return covered;
    }

    /// <summary>Puts <paramref name="sprite"/> on top; the canvas owns it from now on.</summary>
    public void Add(ShapeSprite sprite)
    {
        if (_sprites.Count == ushort.MaxValue - 1) throw new InvalidOperationException("too many sprites on one canvas");
        var covered = Covered(sprite);
        for (int i = 0; i < covered.Length; i++) _visible[i] -= covered[i];
        ushort id = (ushort)(_sprites.Count + 1);
        int visible = 0;
        ForEachCoveredPixel(sprite, (p, _) =>
        {
            _owner[p] = id;
            visible++;
        });
        _sprites.Add(sprite);
        _visible.Add(visible);
    }

    /// <summary>Pixels of sprite <paramref name="index"/> that no later sprite hides and that lie in the frame.</summary>
    public int Visible(int index) => _visible[index];

    /// <summary>Visible pixels of sprite <paramref name="index"/> over all its pixels (also those past the frame).</summary>
    public double VisibleFraction(int index) => _sprites[index].Area == 0 ? 0 : (double)_visible[index] / _sprites[index].Area;

    /// <summary>Tight box [x1, y1, x2, y2) in pixels of the visible pixels of sprite <paramref name="index"/>; null when none is visible.</summary>
    public (int X1, int Y1, int X2, int Y2)? VisibleBox(int index)
    {
        var area = Clip(_sprites[index].Bounds);
        ushort id = (ushort)(index + 1);
        int x1 = int.MaxValue, y1 = int.MaxValue, x2 = -1, y2 = -1;
        for (int y = area.Top; y < area.Bottom; y++)
        {
            int row = y * _width;
            for (int x = area.Left; x < area.Right; x++)
            {
                if (_owner[row + x] != id) continue;
                if (x < x1) x1 = x;
                if (x > x2) x2 = x;
                if (y < y1) y1 = y;
                y2 = y;
            }
        }
        return x2 < 0 ? null : (x1, y1, x2 + 1, y2 + 1);
    }

    /// <summary>Blends every sprite, bottom to top, onto <paramref name="image"/> (8-bit BGR of the canvas size): fill, then outline.</summary>
    public unsafe void Paint(Mat image)
    {
        if (image.Type() != MatType.CV_8UC3 || image.Width != _width || image.Height != _height)
            throw new ArgumentException($"image must be {_width}x{_height} 8-bit BGR, got {image.Width}x{image.Height} {image.Type()}", nameof(image));
        foreach (var sprite in _sprites)
        {
            var area = Clip(sprite.Bounds);
            var fillColour = sprite.FillColour;
            var outlineColour = sprite.OutlineColour;
            for (int y = area.Top; y < area.Bottom; y++)
            {
                byte* pixel = (byte*)image.Ptr(y);
                byte* fill = (byte*)sprite.FillAlpha.Ptr(y - sprite.Bounds.Y);
                byte* outline = (byte*)sprite.OutlineAlpha.Ptr(y - sprite.Bounds.Y);
                for (int x = area.Left; x < area.Right; x++)
                {
                    int sx = x - sprite.Bounds.X;
                    int af = fill[sx], ao = outline[sx];
                    if ((af | ao) == 0) continue;
                    byte* p = pixel + 3 * x;
                    for (int c = 0; c < 3; c++)
                    {
                        int v = Blend(p[c], fillColour[c], af);
                        p[c] = (byte)Blend(v, outlineColour[c], ao);
                    }
                }
            }
        }
    }

    private static int Blend(int under, int over, int alpha) => (under * (255 - alpha) + over * alpha + 127) / 255;

    /// <summary>The part of <paramref name="bounds"/> inside the frame, as [Left, Right) x [Top, Bottom).</summary>
    private (int Left, int Top, int Right, int Bottom) Clip(Rect bounds) =>
        (Math.Max(bounds.X, 0), Math.Max(bounds.Y, 0), Math.Min(bounds.X + bounds.Width, _width), Math.Min(bounds.Y + bounds.Height, _height));

    /// <summary>Calls <paramref name="action"/>(frame pixel index, sprite alpha) for each in-frame pixel the sprite covers.</summary>
    private unsafe void ForEachCoveredPixel(ShapeSprite sprite, Action<int, int> action)
    {
        var area = Clip(sprite.Bounds);
        for (int y = area.Top; y < area.Bottom; y++)
        {
            byte* fill = (byte*)sprite.FillAlpha.Ptr(y - sprite.Bounds.Y);
            byte* outline = (byte*)sprite.OutlineAlpha.Ptr(y - sprite.Bounds.Y);
            int row = y * _width;
            for (int x = area.Left; x < area.Right; x++)
            {
                int sx = x - sprite.Bounds.X;
                int alpha = Math.Max(fill[sx], outline[sx]);
                if (alpha != 0) action(row + x, alpha);
            }
        }
    }

    public void Dispose()
    {
        foreach (var sprite in _sprites) sprite.Dispose();
        _sprites.Clear();
    }
}
