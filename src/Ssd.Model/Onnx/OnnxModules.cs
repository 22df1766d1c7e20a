using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ssd.Model.Onnx;

/// <summary>A module of ours that writes itself into an ONNX graph, node for node what its forward does.</summary>
internal interface IOnnxExportable
{
    /// <summary>
    /// Adds the module's nodes reading <paramref name="input"/>; returns the name of its output.
    /// <paramref name="name"/> is the module's state-dict path, which prefixes its initializers.
    /// </summary>
    string Export(OnnxGraph graph, string input, string name);
}

/// <summary>A backbone of ours that writes itself into an ONNX graph, giving the names of its feature maps.</summary>
internal interface IOnnxBackbone
{
    /// <summary>Adds the backbone's nodes reading <paramref name="input"/>; returns its maps' names in forward's order.</summary>
    string[] ExportMaps(OnnxGraph graph, string input, string name);
}

/// <summary>
/// Writes a module into an ONNX graph: the TorchSharp layers our networks use (Conv2d, BatchNorm2d, ReLU,
/// ReLU6, MaxPool2d and Sequential) as their ONNX operators with the module's own settings and weights,
/// and our composite modules through <see cref="IOnnxExportable"/>. Another layer type is an error, so an
/// export never silently differs from the network.
/// </summary>
internal static class OnnxModules
{
    /// <summary>
    /// Adds <paramref name="module"/> reading <paramref name="input"/>; returns its output's name.
    /// <paramref name="name"/> prefixes its initializers (the state-dict path, for a readable graph).
    /// </summary>
    public static string Export(OnnxGraph graph, Module module, string input, string name)
    {
        switch (module)
        {
            case IOnnxExportable own:
                return own.Export(graph, input, name);
            case Sequential sequential:
                var x = input;
                foreach (var (child, layer) in sequential.named_children()) x = Export(graph, layer, x, $"{name}.{child}");
                return x;
            case Conv2d conv:
                return Conv(graph, conv, input, name);
            case BatchNorm2d bn:
                return graph.Node("BatchNormalization",
                    [input, graph.Weight($"{name}.weight", bn.weight!), graph.Weight($"{name}.bias", bn.bias!),
                     graph.Weight($"{name}.running_mean", bn.running_mean!), graph.Weight($"{name}.running_var", bn.running_var!)],
                    OnnxGraph.Float("epsilon", (float)bn.eps));
            case TorchSharp.Modules.ReLU:
                return graph.Node("Relu", [input]);
            case TorchSharp.Modules.ReLU6:
                return graph.Node("Clip", [input, graph.Scalar($"{name}.min", 0), graph.Scalar($"{name}.max", 6)]);
            case MaxPool2d pool:
                if (pool.ceil_mode) throw new NotSupportedException($"{name}: MaxPool2d with ceil_mode is not exported");
                if (pool.dilation is { } dilation && dilation.Any(d => d != 1)) throw new NotSupportedException($"{name}: dilated MaxPool2d is not exported");
                return graph.Node("MaxPool", [input],
                    OnnxGraph.Ints("kernel_shape", Pair(pool.kernel_size)),
                    OnnxGraph.Ints("strides", Pair(pool.stride ?? pool.kernel_size)),
                    OnnxGraph.Ints("pads", Pads(pool.padding)));
            default:
                throw new NotSupportedException($"{name}: no ONNX export for {module.GetType().Name}");
        }
    }

    private static string Conv(OnnxGraph graph, Convolution conv, string input, string name)
    {
        if (conv.padding_type is not null) throw new NotSupportedException($"{name}: Conv2d with named padding is not exported");
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros) throw new NotSupportedException($"{name}: Conv2d with {conv.padding_mode} padding is not exported");
        var inputs = new List<string> { input, graph.Weight($"{name}.weight", conv.weight!) };
        if (conv.bias is { } bias) inputs.Add(graph.Weight($"{name}.bias", bias));
        return graph.Node("Conv", [.. inputs],
            OnnxGraph.Ints("kernel_shape", Pair(conv.kernel_size)),
            OnnxGraph.Ints("strides", Pair(conv.stride)),
            OnnxGraph.Ints("pads", Pads(conv.padding)),
            OnnxGraph.Ints("dilations", Pair(conv.dilation)),
            OnnxGraph.Int("group", conv.groups));
    }

    /// <summary>A kernel, stride or dilation of one or two values as [h, w].</summary>
    private static long[] Pair(long[] values) => values.Length == 1 ? [values[0], values[0]] : [values[0], values[1]];

    /// <summary>Symmetric padding [h, w] as ONNX's [top, left, bottom, right].</summary>
    private static long[] Pads(long[]? padding)
    {
        var p = Pair(padding is { Length: > 0 } ? padding : [0]);
        return [p[0], p[1], p[0], p[1]];
    }
}
