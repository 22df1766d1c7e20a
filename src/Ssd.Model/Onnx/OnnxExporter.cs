using System.Text.Json.Nodes;
using Google.Protobuf;
using Onnx;
using Ssd.Model.Checkpoints;
using static TorchSharp.torch;

namespace Ssd.Model.Onnx;

/// <summary>
/// Writes a model as a standard ONNX graph (docs/onnx.md): input <c>images</c> <c>[N, 3, S, S]</c> float32 with
/// a dynamic batch axis N, outputs <c>locs</c> <c>[N, 4, B]</c> and <c>confs</c> <c>[N, C, B]</c> as the network
/// gives them (box offsets and class logits; decoding and NMS stay ours), built from the network's modules
/// and weights. Metadata properties carry the architecture, class names and input size, so the file is as
/// self-describing as a model file (<see cref="OnnxModelInfo"/> reads them back).
/// </summary>
public static class OnnxExporter
{
    /// <summary>IR version 8: what ONNX 1.12 (Debian 12's checker) and every ONNX Runtime since 1.11 read.</summary>
    public const long IrVersion = 8;

    public const string InputName = "images";
    public const string LocsName = "locs";
    public const string ConfsName = "confs";

    /// <summary>
    /// The model as an ONNX ModelProto. <paramref name="half"/>: weights and activations in float16 inside
    /// the graph (for GPUs), with float32 input and outputs. The network must be in eval mode semantics:
    /// batch norm uses its running statistics, as inference does.
    /// </summary>
    public static ModelProto Build(SsdModel model, bool half = false)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var graph = new OnnxGraph(half);
        int s = model.Architecture.InputSize;
        int b = model.DefaultBoxes.Count;
        graph.Proto.Input.Add(OnnxGraph.FloatValue(InputName, "N", 3, s, s));
        var (locs, confs) = model.Network.Export(graph, graph.FromFloat(InputName));
        graph.Output(graph.ToFloat(locs), LocsName);
        graph.Output(graph.ToFloat(confs), ConfsName);
        graph.Proto.Output.Add(OnnxGraph.FloatValue(LocsName, "N", 4, b));
        graph.Proto.Output.Add(OnnxGraph.FloatValue(ConfsName, "N", model.NumClasses, b));

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ssdstream",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"{model.Architecture.Name}: images [N, 3, {s}, {s}] normalised RGB -> locs [N, 4, {b}] box offsets, confs [N, {model.NumClasses}, {b}] class logits",
            Graph = graph.Proto,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxGraph.Opset });
        foreach (var (key, value) in OnnxModelInfo.Metadata(model, half)) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>The ONNX file's bytes (see <see cref="Build"/>).</summary>
    public static byte[] ToBytes(SsdModel model, bool half = false) => Build(model, half).ToByteArray();

    /// <summary>Writes the ONNX file atomically (a temporary file beside it, then a rename).</summary>
    public static void Save(SsdModel model, string path, bool half = false) => WriteAtomically(path, ToBytes(model, half));

    internal static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = $"{path}.part.{Environment.ProcessId}";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
