using Spectre.Console;
using Spectre.Console.Rendering;
using Ssd.Model.Training;

namespace SsdStream.Service.Commands;

/// <summary>
/// Training progress on a terminal, drawn by Spectre.Console: a bar for the epoch in progress (batches
/// done, mean loss so far, learning rate, images/s, time left) and a spinner while it evaluates; when the
/// epoch ends its bar gives way to the same summary line the plain log prints.
/// </summary>
internal sealed class TrainingProgressBars(IAnsiConsole console, ProgressContext context) : ITrainingObserver
{
    private readonly EpochMeter _meter = new();
    private ProgressTask? _epoch;
    private ProgressTask? _evaluation;

    /// <summary>
    /// Runs <paramref name="train"/> with bars drawn on <paramref name="console"/> (which must be an
    /// interactive terminal that understands ANSI) and returns what it returns.
    /// </summary>
    public static T Run<T>(IAnsiConsole console, Func<ITrainingObserver, T> train) =>
        console.Progress()
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 24 }, new CountedPercentageColumn(), new StatsColumn(), new SpinnerColumn())
            .Start(context => train(new TrainingProgressBars(console, context)));

    public void OnStart(int firstEpoch, int epochs, int batchesPerEpoch, string device)
    {
        console.WriteLine(TrainingLines.Start(firstEpoch, epochs, batchesPerEpoch, device));
        _meter.Restart();
    }

    public void OnStep(TrainingStep s)
    {
        if (s.Batch == 1 || _epoch is null)
        {
            _epoch?.StopTask();
            _epoch = context.AddTask($"epoch {s.Epoch}/{s.Epochs}", maxValue: s.BatchesPerEpoch);
        }
        _meter.Add(s);
        _epoch.Tag = _meter.Stats(s);
        _epoch.Value = s.Batch;
        context.Refresh();
    }

    public void OnEvaluating(int epoch)
    {
        _epoch?.StopTask();
        _evaluation = context.AddTask($"epoch {epoch}: evaluating").IsIndeterminate();
        context.Refresh();
    }

    public void OnEpoch(EpochSummary e)
    {
        _epoch?.StopTask();
        _evaluation?.StopTask();
        _epoch = _evaluation = null;
        _meter.Restart();
        console.WriteLine(TrainingLines.Epoch(e));
        context.Refresh();
    }

    /// <summary>The percentage done, for tasks that count (evaluation has nothing to count here).</summary>
    private sealed class CountedPercentageColumn : ProgressColumn
    {
        private readonly PercentageColumn _percentage = new();

        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.IsIndeterminate ? Text.Empty : _percentage.Render(options, task, deltaTime);

        public override int? GetColumnWidth(RenderOptions options) => _percentage.GetColumnWidth(options);
    }

    /// <summary>The text a task carries in its <see cref="ProgressTask.Tag"/> (here: the epoch's numbers).</summary>
    private sealed class StatsColumn : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Text(task.Tag as string ?? "");
    }
}
