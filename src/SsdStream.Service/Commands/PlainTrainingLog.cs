using Ssd.Model.Training;

namespace SsdStream.Service.Commands;

/// <summary>
/// Training progress as whole lines, for logs and CI (standard output not a terminal): about ten lines per
/// epoch, then the epoch's summary.
/// </summary>
internal sealed class PlainTrainingLog(TextWriter output) : ITrainingObserver
{
    private readonly EpochMeter _meter = new();
    private int _lastLoggedTenth = -1;

    public void OnStart(int firstEpoch, int epochs, int batchesPerEpoch, string device)
    {
        output.WriteLine(TrainingLines.Start(firstEpoch, epochs, batchesPerEpoch, device));
        _meter.Restart();
    }

    public void OnStep(TrainingStep s)
    {
        if (s.Batch == 1) _lastLoggedTenth = -1;
        _meter.Add(s);
        int tenth = s.Batch * 10 / s.BatchesPerEpoch;
        if (tenth == _lastLoggedTenth && s.Batch != s.BatchesPerEpoch) return;
        _lastLoggedTenth = tenth;
        output.WriteLine($"epoch {s.Epoch}/{s.Epochs} batch {s.Batch}/{s.BatchesPerEpoch} {_meter.Stats(s)}");
    }

    public void OnEvaluating(int epoch) => output.WriteLine(TrainingLines.Evaluating(epoch));

    public void OnEpoch(EpochSummary e)
    {
        _meter.Restart();
        output.WriteLine(TrainingLines.Epoch(e));
    }
}
