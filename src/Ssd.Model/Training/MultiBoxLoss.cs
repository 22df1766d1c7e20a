using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ssd.Model.Training;

/// <summary>
/// The SSD loss of the reference (docs/model.md): smooth L1 on the box offsets of positive default boxes,
/// cross-entropy on positives plus the hardest negatives (at most 3 negatives per positive, capped at
/// the box count), summed per image and divided by that image's positives; an image without
/// positives contributes zero; the mean over the batch.
/// </summary>
public static class MultiBoxLoss
{
    /// <summary>Negatives kept per positive in hard negative mining.</summary>
    public const int NegativesPerPositive = 3;

    /// <summary>
    /// <paramref name="locs"/>: predicted offsets <c>[N, 4, B]</c>; <paramref name="confs"/>: class logits
    /// <c>[N, C, B]</c>; <paramref name="targetOffsets"/>: encoded ground truth <c>[N, 4, B]</c> (see
    /// <see cref="Boxes.BoxCoder.Encode"/>); <paramref name="targetLabels"/>: <c>[N, B]</c> int64, 0 for
    /// background. Returns the scalar loss and its localisation and confidence parts (each already
    /// divided by positives and averaged over the batch).
    /// </summary>
    public static (Tensor Total, Tensor Localisation, Tensor Confidence) Compute(Tensor locs, Tensor confs, Tensor targetOffsets, Tensor targetLabels)
    {
        using var scope = NewDisposeScope();
        var positive = targetLabels.gt(0);                                   // [N, B]
        var positives = positive.sum(1);                                     // [N]
        var sl1 = F.smooth_l1_loss(locs, targetOffsets, reduction: nn.Reduction.None).sum(1);   // [N, B]
        var localisation = (sl1 * positive.to(sl1.dtype)).sum(1);          // [N]

        var ce = F.cross_entropy(confs, targetLabels, reduction: nn.Reduction.None);       // [N, B]
        var negativeLoss = ce.clone().masked_fill(positive, 0);
        var order = negativeLoss.argsort(1, descending: true);
        var rank = order.argsort(1);
        long boxes = targetLabels.shape[1];
        var negatives = (positives * NegativesPerPositive).clamp_max(boxes).unsqueeze(-1);   // [N, 1]
        var hardNegative = rank.lt(negatives);
        var selected = positive.logical_or(hardNegative).to(ce.dtype);
        var confidence = (ce * selected).sum(1);                            // [N]

        var hasPositives = positives.gt(0).to(ce.dtype);
        var divisor = positives.to(ce.dtype).clamp_min(1e-6);
        var loc = (localisation * hasPositives / divisor).mean();
        var conf = (confidence * hasPositives / divisor).mean();
        var total = loc + conf;
        return (total.MoveToOuterDisposeScope(), loc.MoveToOuterDisposeScope(), conf.MoveToOuterDisposeScope());
    }
}
