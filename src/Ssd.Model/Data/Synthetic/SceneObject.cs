using OpenCvSharp;

namespace Ssd.Model.Data.Synthetic;

/// <summary>
/// One shape of a scene: centre (<see cref="X"/>, <see cref="Y"/>) in frame pixels, <see cref="Radius"/>
/// of its circumscribed circle in pixels, rotation <see cref="Angle"/> in degrees, solid fill and a
/// contrasting outline <see cref="OutlineWidth"/> pixels wide, centred on the edge. Moving scenes also use the
/// velocity (<see cref="VelocityX"/>, <see cref="VelocityY"/>) in pixels per frame and <see cref="Spin"/> in
/// degrees per frame.
/// </summary>
internal sealed class SceneObject
{
    public required SyntheticShape Shape { get; init; }

    /// <summary>The object's identity in its scene (1, 2, ... in order of appearance; 0 outside a sequence).</summary>
    public int Id { get; set; }

    public required double X { get; set; }

    public required double Y { get; set; }

    public required double Radius { get; init; }

    public required double Angle { get; set; }

    public required Vec3b Fill { get; init; }

    public required Vec3b Outline { get; init; }

    public required int OutlineWidth { get; init; }

    public double VelocityX { get; set; }

    public double VelocityY { get; set; }

    public double Spin { get; set; }

    /// <summary>How far past the centre the drawn shape can reach: outline and anti-aliased edge included.</summary>
    public double Reach => Radius + OutlineWidth / 2.0 + 2;

    /// <summary>Moves the object by one frame of its velocity and spin.</summary>
    public void Step()
    {
        X += VelocityX;
        Y += VelocityY;
        Angle = (Angle + Spin) % 360;
    }
}
