using SsdStream.Pipeline.Tracking;

namespace SsdStream.Pipeline.Tests.Tracking;

public sealed class TrackerSettingsTests
{
    [Fact]
    public void Defaults_AreValid_AndFollowByteTrack()
    {
        var s = TrackerSettings.Default;
        Assert.Empty(s.Validate());
        Assert.Equal(0.5f, s.HighScore);
        Assert.Equal(0.1f, s.LowScore);
        Assert.Equal(0.6f, s.NewTrackScore);
        Assert.True(s.ConfirmFrames >= 2, "a one-frame false detection must never be confirmed by default");
    }

    [Theory]
    [InlineData(nameof(TrackerSettings.HighScore))]
    [InlineData(nameof(TrackerSettings.LowScore))]
    [InlineData(nameof(TrackerSettings.MatchIou))]
    [InlineData(nameof(TrackerSettings.ConfirmFrames))]
    [InlineData(nameof(TrackerSettings.LostSeconds))]
    [InlineData(nameof(TrackerSettings.StationarySeconds))]
    [InlineData(nameof(TrackerSettings.UpdateThrottleSeconds))]
    [InlineData(nameof(TrackerSettings.BetterScoreMargin))]
    [InlineData(nameof(TrackerSettings.OtherLabelPenalty))]
    [InlineData(nameof(TrackerSettings.DuplicateIou))]
    [InlineData(nameof(TrackerSettings.LostBuffer))]
    [InlineData(nameof(TrackerSettings.LabelHalfLifeSeconds))]
    public void Validate_NamesTheBadProperty(string property)
    {
        var bad = property switch
        {
            nameof(TrackerSettings.HighScore) => new TrackerSettings { HighScore = 1.5f, NewTrackScore = 1.5f },
            nameof(TrackerSettings.LowScore) => new TrackerSettings { LowScore = 0.7f },
            nameof(TrackerSettings.MatchIou) => new TrackerSettings { MatchIou = 0 },
            nameof(TrackerSettings.ConfirmFrames) => new TrackerSettings { ConfirmFrames = 0 },
            nameof(TrackerSettings.LostSeconds) => new TrackerSettings { LostSeconds = -1 },
            nameof(TrackerSettings.StationarySeconds) => new TrackerSettings { StationarySeconds = double.NaN },
            nameof(TrackerSettings.UpdateThrottleSeconds) => new TrackerSettings { UpdateThrottleSeconds = -0.1 },
            nameof(TrackerSettings.OtherLabelPenalty) => new TrackerSettings { OtherLabelPenalty = -0.1 },
            nameof(TrackerSettings.DuplicateIou) => new TrackerSettings { DuplicateIou = 0 },
            nameof(TrackerSettings.LostBuffer) => new TrackerSettings { LostBuffer = double.NaN },
            nameof(TrackerSettings.LabelHalfLifeSeconds) => new TrackerSettings { LabelHalfLifeSeconds = -1 },
            _ => new TrackerSettings { BetterScoreMargin = -0.01f },
        };
        var errors = bad.Validate();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.DoesNotContain('\n', e));
        Assert.Contains(errors, e => e.StartsWith(property, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RejectsNewTrackScoreBelowHighScore_BecauseOnlyConfidentDetectionsStartTracks()
    {
        var errors = new TrackerSettings { NewTrackScore = 0.4f }.Validate();
        Assert.Equal([$"NewTrackScore (0.4) must be at least HighScore (0.5): only confident detections start tracks."], errors);
    }

    [Fact]
    public void Validate_AllowsZeroThrottle_ButNotZeroLostTime()
    {
        Assert.Empty(new TrackerSettings { UpdateThrottleSeconds = 0 }.Validate());
        Assert.Single(new TrackerSettings { LostSeconds = 0 }.Validate());
    }
}
