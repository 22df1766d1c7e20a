namespace Ssd.Model.Training;

/// <summary>
/// One training batch as managed arrays, ready for the training step: <see cref="Images"/>
/// <c>[N, 3, S, S]</c> normalised RGB, <see cref="Offsets"/> <c>[N, 4, B]</c> encoded targets and
/// <see cref="Labels"/> <c>[N, B]</c> (0 background), B default boxes.
/// </summary>
public sealed record TrainingBatch(int Count, float[] Images, float[] Offsets, long[] Labels);
