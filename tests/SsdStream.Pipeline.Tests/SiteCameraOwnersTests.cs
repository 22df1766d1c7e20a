using SsdStream.Pipeline.Publishing;

namespace SsdStream.Pipeline.Tests;

/// <summary>Who holds a camera, read from the broker's retained statuses and availabilities, as a daemon decides it at start.</summary>
public sealed class SiteCameraOwnersTests
{
    private static readonly MqttTopics Topics = new("site", "south");

    private static string Status(string instance) => $$"""{"state":"streaming","reason":"","time":"2026-01-01T00:00:00.000Z","instance":"{{instance}}"}""";

    private static SiteCameraOwners Site(params (string Topic, string Payload)[] retained) => new(Topics, retained);

    [Fact]
    public void ACameraIsHeld_ByAnotherInstanceThatRunsOrDiedWithoutStopping_NotByOneThatStopped()
    {
        var site = Site(
            ("site/door/status", Status("north")), ("site/north/available", "online"),
            ("site/gate/status", Status("west")), ("site/west/available", "offline"),
            ("site/yard/status", Status("east")), ("site/east/available", "stopped"),
            ("site/shed/status", Status("unknown-to-the-broker")),
            ("site/porch/status", Status("south")), ("site/south/available", "online"));
        Assert.Equal(new CameraOwner("door", "north", "online"), site.OtherOwner("door", "south"));
        Assert.Equal(new CameraOwner("gate", "west", "offline"), site.OtherOwner("gate", "south"));
        Assert.Null(site.OtherOwner("yard", "south"));   // east stopped cleanly: it let its cameras go
        Assert.Null(site.OtherOwner("shed", "south"));   // no availability: no running instance holds it
        Assert.Null(site.OtherOwner("porch", "south"));  // our own, from before a restart
        Assert.Null(site.OtherOwner("garage", "south")); // nobody ever ran it
        Assert.Null(site.OtherOwner("door", "north"));   // north itself, restarting
    }

    [Fact]
    public void StatusesWithoutAnInstance_ClearedOnes_AndOtherTopics_HoldNothing()
    {
        var site = Site(
            ("site/old/status", """{"state":"streaming","reason":"","time":"2026-01-01T00:00:00.000Z"}"""), // an ssdstream before instances
            ("site/door/status", Status("north")), ("site/door/status", ""),                             // cleared
            ("site/junk/status", "not json"),
            ("site/a/b/status", Status("north")), ("other/gate/status", Status("north")),
            ("site/north/available", "online"));
        foreach (var camera in new[] { "old", "door", "junk", "a/b", "b", "gate" }) Assert.Null(site.OtherOwner(camera, "south"));
    }

    [Fact]
    public void Abandoned_AreTheCamerasWhoseStatusNamesThisInstanceButItRunsNoMore()
    {
        var site = Site(("site/porch/status", Status("south")), ("site/attic/status", Status("south")), ("site/door/status", Status("north")));
        Assert.Equal(["attic"], site.Abandoned("south", ["porch", "yard"]));
        Assert.Equal(["attic", "porch"], site.Abandoned("south", []));
    }
}
