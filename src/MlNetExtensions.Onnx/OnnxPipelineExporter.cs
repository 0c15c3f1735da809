using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork.Onnx;

namespace MlNetExtensions.Onnx;

/// <summary>
/// Writes a fitted pipeline as one ONNX model: the model is cut into runs of ML.NET's own transformers, each converted by
/// ML.NET's <c>ConvertToOnnx</c>, and this library's MLPs between them, each written by its own ONNX writer at ML.NET's
/// opset; the graphs are then joined by name, the column a run reads wired to the variable the run before it produced.
/// </summary>
/// <remarks>
/// Each piece's names get a prefix of their own (<c>s0_</c>, <c>s1_</c> …) so that they cannot collide; the joined graph's
/// inputs are the data's columns and its outputs are <c>{column}.output</c> for every visible column of the pipeline's
/// output, as ML.NET's converter names them. Field numbers are those of onnx.proto3.
/// </remarks>
internal static class OnnxPipelineExporter
{
    // onnx.proto3 field numbers.
    private const int ModelIrVersion = 1, ModelGraph = 7, ModelOpset = 8;
    private const int OpsetDomain = 1, OpsetVersion = 2;
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4;
    private const int TensorName = 8, ValueInfoName = 1, ValueInfoType = 2;

    public static byte[] Export(ModelOperationsCatalog catalog, ITransformer model, IDataView inputData)
    {
        var segments = Segments(model);
        var merged = new ProtoMessage();
        var current = new Dictionary<string, (string Variable, byte[] Type)>(StringComparer.Ordinal);
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        long irVersion = 7;
        var schema = inputData.Schema;
        var nodes = new List<ProtoMessage>();
        var initializers = new List<ProtoMessage>();
        var valueInfos = new List<ProtoMessage>();
        var inputs = new List<ProtoMessage>();

        // The first piece is always ML.NET's (empty if the pipeline starts with an MLP): it declares the graph inputs
        // exactly as ConvertToOnnx does, whatever the data's column types.
        if (segments.Count == 0 || segments[0] is MlpPredictionTransformer) segments.Insert(0, new TransformerChain<ITransformer>());

        for (int k = 0; k < segments.Count; k++)
        {
            string prefix = $"s{k}_";
            ProtoMessage piece;
            string[] outputColumns;
            DataViewSchema outputSchema;
            if (segments[k] is MlpPredictionTransformer mlp)
            {
                long opset = opsets.GetValueOrDefault("", OnnxGraphWriter.DefaultOpsetVersion);
                using var stream = new MemoryStream();
                MlpOnnxGraph.WriteWholeNetwork(mlp.Model, stream, mlp.FeatureColumnName, opset);
                piece = ProtoMessage.Parse(stream.ToArray());
                outputSchema = mlp.GetOutputSchema(schema);
                outputColumns = ["Score", "Probability", "PredictedLabel"];
            }
            else
            {
                var input = k == 0 ? inputData : new SchemaOnlyDataView(schema);
                using var stream = new MemoryStream();
                catalog.ConvertToOnnx(segments[k], input, stream);
                piece = ProtoMessage.Parse(stream.ToArray());
                outputSchema = segments[k].GetOutputSchema(schema);
                outputColumns = outputSchema.Where(c => !c.IsHidden).Select(c => c.Name).ToArray();
            }

            irVersion = Math.Max(irVersion, (long)(piece.First(ModelIrVersion)?.Varint ?? 7));
            foreach (var opset in piece.All(ModelOpset).Select(f => f.Message))
            {
                string domain = opset.First(OpsetDomain)?.Text ?? "";
                long version = (long)(opset.First(OpsetVersion)?.Varint ?? 1);
                opsets[domain] = Math.Max(opsets.GetValueOrDefault(domain), version);
            }

            var graph = piece.First(ModelGraph)?.Message ?? throw new InvalidOperationException($"ONNX piece {k} has no graph.");
            // ML.NET declares one graph input per column of the piece's input schema, hidden ones included, in order.
            var rename = new Dictionary<string, string>(StringComparer.Ordinal);
            var unresolved = new HashSet<string>(StringComparer.Ordinal);
            var pieceInputs = graph.All(GraphInput).Select(f => f.Message).ToArray();
            for (int i = 0; i < pieceInputs.Length; i++)
            {
                string name = pieceInputs[i].First(ValueInfoName)!.Text;
                var column = i < schema.Count ? schema[i] : (DataViewSchema.Column?)null;
                if (k == 0)
                {
                    rename[name] = name;
                    inputs.Add(pieceInputs[i]);
                }
                else if (column is { IsHidden: false } visible && current.TryGetValue(visible.Name, out var source))
                    rename[name] = source.Variable;
                else if (current.TryGetValue(name, out var byName))
                    rename[name] = byName.Variable;
                else
                    unresolved.Add(name);
            }
            if (k > 0 && unresolved.Count > 0)
            {
                var used = graph.All(GraphNode).SelectMany(f => f.Message.All(NodeInput)).Select(f => f.Text).FirstOrDefault(unresolved.Contains);
                if (used is not null)
                    throw new InvalidOperationException($"Step {k} of the pipeline reads column '{used}', which no earlier step produced as a visible column.");
            }
            string Rename(string name) => name.Length == 0 ? name : rename.TryGetValue(name, out var n) ? n : rename[name] = prefix + name;

            foreach (var node in graph.All(GraphNode).Select(f => f.Message))
            {
                foreach (var field in node.Fields)
                    if (field.Number is NodeInput or NodeOutput or NodeName) field.Text = Rename(field.Text);
                nodes.Add(node);
            }
            foreach (var tensor in graph.All(GraphInitializer).Select(f => f.Message))
            {
                foreach (var field in tensor.All(TensorName)) field.Text = Rename(field.Text);
                initializers.Add(tensor);
            }
            foreach (var valueInfo in graph.All(GraphValueInfo).Select(f => f.Message))
            {
                foreach (var field in valueInfo.All(ValueInfoName)) field.Text = Rename(field.Text);
                valueInfos.Add(valueInfo);
            }

            // What each output column is now called, and its type.
            var outputs = graph.All(GraphOutput).Select(f => f.Message)
                .ToDictionary(v => v.First(ValueInfoName)!.Text, v => v.First(ValueInfoType)?.Bytes ?? [], StringComparer.Ordinal);
            bool ours = segments[k] is MlpPredictionTransformer;
            foreach (string column in outputColumns)
            {
                string name = ours ? column : column + ".output";
                if (outputs.TryGetValue(name, out var type)) current[column] = (Rename(name), type);
                else if (!ours) throw new InvalidOperationException($"ML.NET's ONNX conversion of step {k} gave no output for column '{column}'.");
            }
            schema = outputSchema;
        }

        // The graph's outputs: every visible column of the pipeline's output, as ML.NET's converter names them.
        var graphOutputs = new List<ProtoMessage>();
        foreach (var column in schema.Where(c => !c.IsHidden))
        {
            if (!current.TryGetValue(column.Name, out var source)) continue;
            string outputName = column.Name + ".output";
            var identity = new ProtoMessage();
            identity.Add(NodeInput, source.Variable);
            identity.Add(NodeOutput, outputName);
            identity.Add(NodeName, "output_" + column.Name);
            identity.Add(NodeOpType, "Identity");
            nodes.Add(identity);
            var valueInfo = new ProtoMessage();
            valueInfo.Add(ValueInfoName, outputName);
            valueInfo.Fields.Add(new ProtoMessage.Field(ValueInfoType, Google.Protobuf.WireFormat.WireType.LengthDelimited, 0, source.Type));
            graphOutputs.Add(valueInfo);
        }

        var mergedGraph = new ProtoMessage();
        foreach (var node in nodes) mergedGraph.Add(GraphNode, node);
        mergedGraph.Add(GraphName, "mlnetextensions_pipeline");
        foreach (var tensor in initializers) mergedGraph.Add(GraphInitializer, tensor);
        foreach (var input in inputs) mergedGraph.Add(GraphInput, input);
        foreach (var output in graphOutputs) mergedGraph.Add(GraphOutput, output);
        foreach (var valueInfo in valueInfos) mergedGraph.Add(GraphValueInfo, valueInfo);

        merged.Add(ModelIrVersion, irVersion);
        merged.Add(2, "MlNetExtensions");
        merged.Add(3, typeof(OnnxPipelineExporter).Assembly.GetName().Version?.ToString() ?? "");
        merged.Add(ModelGraph, mergedGraph);
        foreach (var (domain, version) in opsets)
        {
            var opset = new ProtoMessage();
            opset.Add(OpsetDomain, domain);
            opset.Add(OpsetVersion, version);
            merged.Add(ModelOpset, opset);
        }
        return merged.ToBytes();
    }

    /// <summary>The pipeline flattened, with consecutive ML.NET transformers grouped into one chain and each MLP alone.</summary>
    private static List<ITransformer> Segments(ITransformer model)
    {
        var segments = new List<ITransformer>();
        var run = new List<ITransformer>();
        foreach (var transformer in Flatten(model))
        {
            if (transformer is MlpPredictionTransformer)
            {
                if (run.Count > 0) segments.Add(new TransformerChain<ITransformer>(run.ToArray()));
                run.Clear();
                segments.Add(transformer);
            }
            else run.Add(transformer);
        }
        if (run.Count > 0) segments.Add(new TransformerChain<ITransformer>(run.ToArray()));
        return segments;
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model)
        => MlNetInternals.TryGetChainElements(model, out var elements, out _) ? elements.SelectMany(Flatten) : [model];
}
