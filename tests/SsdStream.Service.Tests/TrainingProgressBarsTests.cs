using System.Text.RegularExpressions;
using Spectre.Console;
using Ssd.Model.Training;
using SsdStream.Service.Commands;

namespace SsdStream.Service.Tests;

/// <summary><c>train</c>'s progress on a terminal: Spectre.Console bars, on a console that says it is an ANSI terminal.</summary>
public sealed partial class TrainingProgressBarsTests
{
    [GeneratedRegex(@"\u001b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiSequence();

    [Fact]
    public void Bars_ShowEachEpochsLossAndSpeed_AndLeaveTheEpochSummaryLines()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var summaries = new List<EpochSummary>();

        var result = TrainingProgressBars.Run(console, observer =>
        {
            observer.OnStart(1, 2, 4, "cpu");
            for (int epoch = 1; epoch <= 2; epoch++)
            {
                for (int batch = 1; batch <= 4; batch++)
                    observer.OnStep(new TrainingStep(epoch, 2, batch, 4, 8, (epoch - 1) * 4 + batch, batch % 2 == 0 ? 3f : 2f, 1f, 1f, 0.01, 100));
                observer.OnEvaluating(epoch);
                var summary = new EpochSummary(epoch, 2, 2.5, 0.01, 123.4, TimeSpan.FromSeconds(65), null, false, "/runs/x/last.ckpt");
                summaries.Add(summary);
                observer.OnEpoch(summary);
            }
            return "final";
        });

        Assert.Equal("final", result);
        var text = AnsiSequence().Replace(output.ToString(), "");
        Assert.Contains("starting: 2 epochs of 4 batches on cpu", text);
        // The bar of each epoch, with the mean loss so far (losses 2, 3, 2: 2.333 after the third batch) and the pace.
        Assert.Matches(@"epoch 1/2 .* 75% loss 2\.333 lr 1e-2 [0-9.]+ img/s left 00:00:00", text);
        Assert.Matches(@"epoch 2/2 .* 50% loss 2\.500 lr 1e-2 [0-9.]+ img/s left 00:00:00", text);
        // Evaluation has no count to show: a moving bar, no percentage.
        Assert.Matches(@"epoch 2: evaluating [^%\n]*$", text.Split('\n').First(l => l.StartsWith("epoch 2: evaluating", StringComparison.Ordinal)));
        // The summary lines stay, each on a line of its own, as the plain log prints them.
        var lines = text.Split('\n').Select(l => l.Trim()).ToList();
        foreach (var s in summaries) Assert.Contains(TrainingLines.Epoch(s), lines);
    }
}
