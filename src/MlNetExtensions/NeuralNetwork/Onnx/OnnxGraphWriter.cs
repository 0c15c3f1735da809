using System.Runtime.InteropServices;
using Google.Protobuf;

namespace MlNetExtensions.NeuralNetwork.Onnx;

/// <summary>
/// Writes an ONNX ModelProto by hand with Google.Protobuf's <see cref="CodedOutputStream"/>: enough of onnx.proto3 for
/// a graph of float tensors (initializers, Gemm and element-wise nodes, [N, k] inputs and outputs). Field numbers are
/// those of onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto).
/// </summary>
internal sealed class OnnxGraphWriter(long opsetVersion = OnnxGraphWriter.DefaultOpsetVersion)
{
    /// <summary>The opset <c>ExportToOnnx</c> writes; every op used has had its present meaning since opset 11 at most.</summary>
    public const long DefaultOpsetVersion = 13;

    /// <summary>TensorProto element types (onnx.proto3 TensorProto.DataType).</summary>
    public const int FloatElementType = 1, Int64ElementType = 7, BoolElementType = 9, UInt32ElementType = 12;

    private const long IrVersion = 7;

    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];
    private int _nodeCount;

    /// <summary>Declares a graph input of float type and shape [N, <paramref name="width"/>] (N symbolic).</summary>
    public void AddInput(string name, int width) => _inputs.Add(ValueInfo(name, width, FloatElementType));

    /// <summary>Declares a graph output of shape [N, <paramref name="width"/>] and the given element type (float by default).</summary>
    public void AddOutput(string name, int width, int elementType = FloatElementType) => _outputs.Add(ValueInfo(name, width, elementType));

    /// <summary>Adds a constant float tensor.</summary>
    public void AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var bytes = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        _initializers.Add(Message(o =>
        {
            foreach (long dim in dims) { o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(dim); }
            o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt32(FloatElementType);
            o.WriteTag(8, WireFormat.WireType.LengthDelimited); o.WriteString(name);
            // raw_data is little-endian, as floats are in memory on every platform .NET runs this library on.
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(bytes);
        }));
    }

    /// <summary>Adds a constant int64 tensor.</summary>
    public void AddInt64Initializer(string name, long[] values, params long[] dims)
    {
        var bytes = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _initializers.Add(Message(o =>
        {
            foreach (long dim in dims) { o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(dim); }
            o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt32(Int64ElementType);
            o.WriteTag(8, WireFormat.WireType.LengthDelimited); o.WriteString(name);
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(bytes);
        }));
    }

    /// <summary>Adds a node; <paramref name="floatAttribute"/> is an optional (name, value) float attribute (e.g. LeakyRelu's alpha).</summary>
    public void AddNode(string opType, string[] inputs, string output, (string Name, float Value)? floatAttribute = null,
        (string Name, long Value)? intAttribute = null)
    {
        string nodeName = $"{opType}_{_nodeCount++}";
        _nodes.Add(Message(o =>
        {
            foreach (var input in inputs) { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(input); }
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString(output);
            o.WriteTag(3, WireFormat.WireType.LengthDelimited); o.WriteString(nodeName);
            o.WriteTag(4, WireFormat.WireType.LengthDelimited); o.WriteString(opType);
            if (floatAttribute is { } f)
                WriteMessage(o, 5, Message(a =>
                {
                    a.WriteTag(1, WireFormat.WireType.LengthDelimited); a.WriteString(f.Name);
                    a.WriteTag(2, WireFormat.WireType.Fixed32); a.WriteFloat(f.Value);
                    a.WriteTag(20, WireFormat.WireType.Varint); a.WriteInt32(1); // AttributeType.FLOAT
                }));
            if (intAttribute is { } i)
                WriteMessage(o, 5, Message(a =>
                {
                    a.WriteTag(1, WireFormat.WireType.LengthDelimited); a.WriteString(i.Name);
                    a.WriteTag(3, WireFormat.WireType.Varint); a.WriteInt64(i.Value);
                    a.WriteTag(20, WireFormat.WireType.Varint); a.WriteInt32(2); // AttributeType.INT
                }));
        }));
    }

    /// <summary>Writes the ModelProto to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream, string graphName)
    {
        var graph = Message(o =>
        {
            foreach (var node in _nodes) WriteMessage(o, 1, node);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString(graphName);
            foreach (var tensor in _initializers) WriteMessage(o, 5, tensor);
            foreach (var input in _inputs) WriteMessage(o, 11, input);
            foreach (var output in _outputs) WriteMessage(o, 12, output);
        });
        var model = Message(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(IrVersion);
            o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString("MlNetExtensions");
            o.WriteTag(3, WireFormat.WireType.LengthDelimited); o.WriteString(typeof(OnnxGraphWriter).Assembly.GetName().Version?.ToString() ?? "");
            WriteMessage(o, 7, graph);
            WriteMessage(o, 8, Message(op =>
            {
                op.WriteTag(1, WireFormat.WireType.LengthDelimited); op.WriteString("");
                op.WriteTag(2, WireFormat.WireType.Varint); op.WriteInt64(opsetVersion);
            }));
        });
        stream.Write(model);
    }

    private static byte[] ValueInfo(string name, int width, int elementType) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(name);
        WriteMessage(o, 2, Message(type => WriteMessage(type, 1, Message(tensor =>
        {
            tensor.WriteTag(1, WireFormat.WireType.Varint); tensor.WriteInt32(elementType);
            WriteMessage(tensor, 2, Message(shape =>
            {
                // A batch dimension N, then the width.
                WriteMessage(shape, 1, Message(dim => { dim.WriteTag(2, WireFormat.WireType.LengthDelimited); dim.WriteString("N"); }));
                WriteMessage(shape, 1, Message(dim => { dim.WriteTag(1, WireFormat.WireType.Varint); dim.WriteInt64(width); }));
            }));
        }))));
    });

    private static byte[] Message(Action<CodedOutputStream> body)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            body(output);
            output.Flush();
        }
        return buffer.ToArray();
    }

    private static void WriteMessage(CodedOutputStream output, int field, byte[] message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
    }
}
