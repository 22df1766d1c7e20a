using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssd.Model.Onnx;

/// <summary>
/// Builds an ONNX graph (opset <see cref="Opset"/>) node by node: initializers from TorchSharp tensors,
/// nodes with attributes, value names made unique. Weights are stored as float32, or float16 when the
/// graph is built in half precision (<see cref="Half"/>): the graph's input and outputs then stay float32
/// and Cast nodes convert at both ends, so a caller feeds and reads float32 either way.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>The ai.onnx operator set the graph uses (13: Clip with min/max inputs, Reshape with 0 copying a dimension).</summary>
    public const int Opset = 13;

    private readonly GraphProto _graph = new() { Name = "ssd" };
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public OnnxGraph(bool half = false) => Half = half;

    /// <summary>Whether weights and activations are float16 inside the graph.</summary>
    public bool Half { get; }

    /// <summary>The ONNX element type of weights and activations.</summary>
    public TensorProto.Types.DataType ElementType => Half ? TensorProto.Types.DataType.Float16 : TensorProto.Types.DataType.Float;

    public GraphProto Proto => _graph;

    /// <summary>A value name not used before, from <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        int n = _counts.GetValueOrDefault(hint);
        _counts[hint] = n + 1;
        return n == 0 ? hint : $"{hint}_{n}";
    }

    /// <summary>Adds a float32 graph input or output with the given dimensions (a string is a named, dynamic dimension).</summary>
    public static ValueInfoProto FloatValue(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>
    /// Adds a weight initializer named <paramref name="name"/> holding <paramref name="value"/> (any floating
    /// type, any device), in the graph's element type; returns its name.
    /// </summary>
    public string Weight(string name, Tensor value)
    {
        using var scope = NewDisposeScope();
        var cpu = value.detach().cpu().to(ScalarType.Float32).contiguous();
        var data = cpu.data<float>().ToArray();
        var proto = new TensorProto { Name = Unique(name), DataType = (int)ElementType };
        proto.Dims.AddRange(cpu.shape);
        proto.RawData = Half ? ByteString.CopyFrom(ToHalfBytes(data)) : ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        _graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>A scalar constant in the graph's element type (Clip's bounds).</summary>
    public string Scalar(string name, float value)
    {
        var proto = new TensorProto { Name = Unique(name), DataType = (int)ElementType };
        proto.RawData = Half ? ByteString.CopyFrom(ToHalfBytes([value])) : ByteString.CopyFrom(BitConverter.GetBytes(value));
        _graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>A 1-D int64 constant (Reshape's shape).</summary>
    public string Int64s(string name, params long[] values)
    {
        var proto = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        _graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a node of <paramref name="opType"/>; returns its (single) output's name.</summary>
    public string Node(string opType, string[] inputs, params AttributeProto[] attributes)
    {
        var output = Unique(opType.ToLowerInvariant());
        var node = new NodeProto { OpType = opType, Name = Unique($"{opType}_node") };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>Converts a float32 value into the graph's element type (a no-op in float32).</summary>
    public string FromFloat(string input) =>
        Half ? Node("Cast", [input], Int("to", (long)TensorProto.Types.DataType.Float16)) : input;

    /// <summary>Converts a value of the graph's element type to float32 (a no-op in float32).</summary>
    public string ToFloat(string input) =>
        Half ? Node("Cast", [input], Int("to", (long)TensorProto.Types.DataType.Float)) : input;

    /// <summary>Names <paramref name="value"/> <paramref name="name"/> through an Identity node (graph outputs get fixed names).</summary>
    public void Output(string value, string name)
    {
        var node = new NodeProto { OpType = "Identity", Name = Unique("Identity_node") };
        node.Input.Add(value);
        node.Output.Add(name);
        _graph.Node.Add(node);
    }

    private static byte[] ToHalfBytes(float[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((System.Half)values[i]));
        return bytes;
    }
}
