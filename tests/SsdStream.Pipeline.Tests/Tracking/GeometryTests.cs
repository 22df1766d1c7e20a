using SsdStream.Pipeline.Tracking;
using static SsdStream.Pipeline.Tests.Tracking.TrackingTestData;

namespace SsdStream.Pipeline.Tests.Tracking;

public sealed class GeometryTests
{
    private static readonly Polygon Square = new([0.2, 0.2, 0.6, 0.2, 0.6, 0.6, 0.2, 0.6]);

    // An L shape: the notch (0.5..1, 0..0.5) is outside.
    private static readonly Polygon L = new([0, 0, 0.5, 0, 0.5, 0.5, 1, 0.5, 1, 1, 0, 1]);

    [Theory]
    [InlineData(0.2, 0.2)] // corners
    [InlineData(0.6, 0.2)]
    [InlineData(0.6, 0.6)]
    [InlineData(0.2, 0.6)]
    [InlineData(0.4, 0.2)] // edges
    [InlineData(0.6, 0.4)]
    [InlineData(0.4, 0.6)]
    [InlineData(0.2, 0.4)]
    [InlineData(0.4, 0.4)] // inside
    public void Square_HoldsItsInside_ItsEdgesAndItsCorners(double x, double y) => Assert.True(Square.Contains(x, y));

    [Theory]
    [InlineData(0.19999, 0.4)]
    [InlineData(0.60001, 0.4)]
    [InlineData(0.4, 0.60001)]
    [InlineData(0.6, 0.60001)] // just below a corner
    [InlineData(0.7, 0.2)] // on the line of an edge, beyond its end
    [InlineData(0.0, 0.0)]
    public void Square_DoesNotHoldPointsJustOutside(double x, double y) => Assert.False(Square.Contains(x, y));

    [Theory]
    [InlineData(0.75, 0.25, false)] // in the notch
    [InlineData(0.5, 0.25, true)] // on the notch's vertical edge
    [InlineData(0.75, 0.5, true)] // on the notch's horizontal edge
    [InlineData(0.5, 0.5, true)] // the reflex corner
    [InlineData(1, 1, true)] // the frame's corner
    [InlineData(0.25, 0.25, true)]
    [InlineData(0.75, 0.75, true)]
    public void ConcavePolygon_HoldsEdgesAndCorners_ButNotItsNotch(double x, double y, bool inside) =>
        Assert.Equal(inside, L.Contains(x, y));

    [Fact]
    public void Triangle_HoldsPointsOnItsSlantedEdge()
    {
        var triangle = new Polygon([0, 0, 1, 0, 0, 1]);
        Assert.True(triangle.Contains(0.3, 0.7));
        Assert.True(triangle.Contains(0.5, 0.5));
        Assert.False(triangle.Contains(0.5, 0.5001));
    }

    [Theory]
    [InlineData(new[] { 0.1, 0.1, 0.5, 0.1, 0.5 }, "has 5 numbers; it needs x, y pairs")]
    [InlineData(new[] { 0.1, 0.1, 0.5, 0.1 }, "has 2 corners; a polygon needs at least 3")]
    [InlineData(new[] { 0.1, 0.1, 1.5, 0.1, 0.5, 0.5 }, "number 3 (1.5) is outside 0..1 (fractions of the frame)")]
    public void Check_SaysWhatIsWrong(double[] points, string error)
    {
        Assert.Equal([error], Polygon.Check(points));
        Assert.Equal(error, Assert.Throws<ArgumentException>(() => new Polygon(points)).Message);
    }

    [Fact]
    public void Zone_UsesTheBottomCentreOfTheBox_WhereTheObjectStands()
    {
        var zone = new Zone(new ZoneSettings { Name = "driveway", Points = [0.2, 0.5, 0.8, 0.5, 0.8, 1, 0.2, 1] });
        // Feet on the zone's top edge: in, though the body is above it.
        Assert.True(zone.Holds("person", StandingAt(0.5, 0.5)));
        // Feet at the frame's bottom corner of the zone.
        Assert.True(zone.Holds("person", StandingAt(0.8, 1)));
        // Feet just above the zone: out, though most of a big box would overlap it.
        var big = Det(0.3f * Width, 0.2f * Height, 0.7f * Width, 0.49f * Height);
        Assert.False(zone.Holds("person", big));
    }

    [Fact]
    public void Zone_LimitedToLabels_HoldsOnlyObjectsWithThoseLabels_WhateverEachDetectionSays()
    {
        var zone = new Zone(new ZoneSettings { Name = "lawn", Points = [0, 0, 1, 0, 1, 1, 0, 1], Labels = ["person"] });
        Assert.True(zone.Holds("person", StandingAt(0.5, 0.5, "person")));
        Assert.False(zone.Holds("car", StandingAt(0.5, 0.5, "car")));
        // The object's label (its detections' vote) decides, not one frame's detection.
        Assert.True(zone.Holds("person", StandingAt(0.5, 0.5, "car")));
        Assert.False(zone.Holds("car", StandingAt(0.5, 0.5, "person")));
    }

    [Fact]
    public void ZoneSettings_Validate_NamesZoneAndProperty()
    {
        var errors = new ZoneSettings { Name = "front door", Points = [0, 0, 1, 0], InsideSeconds = -1 }.Validate();
        Assert.Equal(
        [
            "Zone 'front door': Name must be letters, digits, '_' or '-' (it names MQTT topics).",
            "Zone 'front door': Points has 2 corners; a polygon needs at least 3.",
            "Zone 'front door': InsideSeconds must be 0 or more and at most 316224000 seconds (ten years), not -1.",
        ], errors);
        Assert.Empty(new ZoneSettings { Name = "front_door-1", Points = [0, 0, 1, 0, 1, 1] }.Validate());
    }

    [Fact]
    public void ZoneNames_MustBeUniqueAcrossCameras()
    {
        ZoneSettings Z(string name) => new() { Name = name, Points = [0, 0, 1, 0, 1, 1] };
        Assert.Equal(["Zone 'yard' is defined 2 times; zone names must be unique across cameras."],
            ZoneSettings.ValidateUniqueNames([Z("yard"), Z("drive"), Z("yard")]));
        Assert.Empty(ZoneSettings.ValidateUniqueNames([Z("yard"), Z("drive")]));
    }

    [Fact]
    public void Mask_DropsDetectionsStandingInIt_AndOnItsEdge_KeepsTheRest()
    {
        var mask = new DetectionMask([new MaskSettings { Points = [0, 0, 0.3, 0, 0.3, 0.3, 0, 0.3] }]);
        var inside = StandingAt(0.1, 0.2);
        var onEdge = StandingAt(0.3, 0.15);
        var outside = StandingAt(0.5, 0.5);
        // A box reaching into the mask but standing outside it is kept.
        var reachingIn = Det(0.1f * Width, 0.1f * Height, 0.2f * Width, 0.5f * Height);
        Assert.True(mask.Drops(inside));
        Assert.True(mask.Drops(onEdge));
        Assert.False(mask.Drops(outside));
        Assert.False(mask.Drops(reachingIn));
        Assert.Equal([outside, reachingIn], mask.Apply([inside, outside, onEdge, reachingIn]));
    }

    [Fact]
    public void Mask_ForSomeLabels_DropsOnlyThoseLabels()
    {
        var mask = new DetectionMask([new MaskSettings { Points = [0, 0, 1, 0, 1, 1, 0, 1], Labels = ["car"] }]);
        Assert.True(mask.Drops(StandingAt(0.5, 0.5, "car")));
        Assert.False(mask.Drops(StandingAt(0.5, 0.5, "person")));
        Assert.False(DetectionMask.None.Drops(StandingAt(0.5, 0.5, "car")));
    }

    [Fact]
    public void CornerBox_Iou_IsIntersectionOverUnion()
    {
        var a = new CornerBox(0, 0, 10, 10);
        Assert.Equal(1f, a.Iou(a));
        Assert.Equal(50f / 150f, a.Iou(new CornerBox(5, 0, 15, 10)), 6);
        Assert.Equal(0f, a.Iou(new CornerBox(10, 0, 20, 10)));
    }
}
