using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Networks;

/// <summary>
/// A single-shot detector assembled from parts: a backbone that yields the first feature maps, extra
/// blocks that each make one more map from the previous one, and one localisation and one
/// classification head per map. Field names reproduce the reference state-dict keys
/// (<c>feature_extractor.*</c>, <c>additional_blocks.&lt;i&gt;.*</c>, <c>loc.&lt;i&gt;.*</c>, <c>conf.&lt;i&gt;.*</c>).
/// </summary>
public sealed class SsdNetwork : Module<Tensor, (Tensor Locs, Tensor Confs)>
{
#pragma warning disable IDE1006 // field names are the state-dict keys
    private readonly Module<Tensor, Tensor[]> feature_extractor;
    private readonly ModuleList<Module<Tensor, Tensor>> additional_blocks;
    private readonly ModuleList<Module<Tensor, Tensor>> loc;
    private readonly ModuleList<Module<Tensor, Tensor>> conf;
#pragma warning restore IDE1006

    internal SsdNetwork(
        Module<Tensor, Tensor[]> backbone,
        IEnumerable<Module<Tensor, Tensor>> extraBlocks,
        IEnumerable<Module<Tensor, Tensor>> locHeads,
        IEnumerable<Module<Tensor, Tensor>> confHeads,
        int numClasses) : base(nameof(SsdNetwork))
    {
        feature_extractor = backbone;
        additional_blocks = ModuleList(extraBlocks.ToArray());
        loc = ModuleList(locHeads.ToArray());
        conf = ModuleList(confHeads.ToArray());
        NumClasses = numClasses;
        RegisterComponents();
    }

    /// <summary>Classes including background (class 0).</summary>
    public int NumClasses { get; }

    /// <summary>Names of the parameters and buffers that belong to the class heads (<c>conf.*</c>).</summary>
    public static bool IsClassHeadKey(string key) => key.StartsWith("conf.", StringComparison.Ordinal);

    /// <summary>
    /// Runs the detector.
    /// <c>images: [N, 3, 300, 300]</c> normalised RGB; returns <c>locs: [N, 4, B]</c> box offsets (see
    /// <see cref="Boxes.BoxCoder"/>) and <c>confs: [N, C, B]</c> class logits, B default boxes in
    /// <see cref="Boxes.DefaultBoxes"/> order.
    /// </summary>
    public override (Tensor Locs, Tensor Confs) forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var maps = new List<Tensor>(feature_extractor.forward(images));
        var last = maps[^1];
        foreach (var block in additional_blocks)
        {
            last = block.forward(last);
            maps.Add(last);
        }
        long n = images.shape[0];
        var locs = new Tensor[maps.Count];
        var confs = new Tensor[maps.Count];
        // Heads pair with maps by index; a head without a map (SSD-pytorch's SSDLite keeps one) never runs.
        for (int i = 0; i < maps.Count; i++)
        {
            locs[i] = loc[i].forward(maps[i]).view(n, 4, -1);
            confs[i] = conf[i].forward(maps[i]).view(n, NumClasses, -1);
        }
        var l = cat(locs, 2).contiguous();
        var c = cat(confs, 2).contiguous();
        return (l.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Writes <see cref="forward"/> into <paramref name="graph"/> reading <paramref name="images"/>
    /// (<c>[N, 3, S, S]</c>); returns the names of <c>locs: [N, 4, B]</c> and <c>confs: [N, C, B]</c>, the
    /// heads' outputs reshaped and concatenated exactly as forward does (docs/onnx.md).
    /// </summary>
    internal (string Locs, string Confs) Export(Onnx.OnnxGraph graph, string images)
    {
        var backbone = feature_extractor as Onnx.IOnnxBackbone
            ?? throw new NotSupportedException($"no ONNX export for the backbone {feature_extractor.GetType().Name}");
        var maps = new List<string>(backbone.ExportMaps(graph, images, nameof(feature_extractor)));
        for (int i = 0; i < additional_blocks.Count; i++) maps.Add(Onnx.OnnxModules.Export(graph, additional_blocks[i], maps[^1], $"{nameof(additional_blocks)}.{i}"));
        var locShape = graph.Int64s("loc_shape", 0, 4, -1);
        var confShape = graph.Int64s("conf_shape", 0, NumClasses, -1);
        var locs = new string[maps.Count];
        var confs = new string[maps.Count];
        for (int i = 0; i < maps.Count; i++)
        {
            locs[i] = graph.Node("Reshape", [Onnx.OnnxModules.Export(graph, loc[i], maps[i], $"{nameof(loc)}.{i}"), locShape]);
            confs[i] = graph.Node("Reshape", [Onnx.OnnxModules.Export(graph, conf[i], maps[i], $"{nameof(conf)}.{i}"), confShape]);
        }
        var axis = Onnx.OnnxGraph.Int("axis", 2);
        return (graph.Node("Concat", locs, axis), graph.Node("Concat", confs, axis));
    }

    /// <summary>Xavier-uniform for every weight of more than one dimension in the extra blocks and heads.</summary>
    internal void InitialiseHeadsAndExtras()
    {
        using var _ = no_grad();
        foreach (var module in new Module[] { additional_blocks, loc, conf })
        {
            foreach (var p in module.parameters())
            {
                if (p.dim() > 1) init.xavier_uniform_(p);
            }
        }
    }
}
