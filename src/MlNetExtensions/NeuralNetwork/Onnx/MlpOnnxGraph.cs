namespace MlNetExtensions.NeuralNetwork.Onnx;

/// <summary>The MLP as ONNX graphs: the hidden layers alone (for saved ML.NET models), or the whole network (for export).</summary>
internal static class MlpOnnxGraph
{
    /// <summary>
    /// One row: input <paramref name="inputName"/> [d] → the last hidden layer's activations as <paramref name="outputName"/> [H].
    /// </summary>
    /// <remarks>
    /// Rank 1 on purpose, with MatMul + Add rather than Gemm: OnnxTransformer turns an [N, H] output into a
    /// Vector&lt;Single, 1, H&gt; column, which ML.NET's prediction transformers reject, while [H] becomes the
    /// Vector&lt;Single, H&gt; they were trained on. OnnxTransformer runs one row per call anyway.
    /// </remarks>
    public static void WriteHiddenLayers(MlpNetwork network, Stream stream, string inputName, string outputName)
    {
        var writer = new OnnxGraphWriter();
        writer.AddInput(inputName, network.InputCount, batched: false);
        string last = AddHiddenLayers(writer, network, inputName, outputName, batched: false);
        if (last != outputName) writer.AddNode("Identity", [last], outputName);
        writer.AddOutput(outputName, network.LastHiddenSize, batched: false);
        writer.WriteTo(stream, "mlp_hidden_layers");
    }

    /// <summary>The whole network with the outputs documented on <see cref="MlpModelParameters.ExportToOnnx"/>.</summary>
    public static void WriteWholeNetwork(MlpModelParameters model, Stream stream, string inputName)
    {
        var network = model.Network;
        var writer = new OnnxGraphWriter();
        writer.AddInput(inputName, network.InputCount);
        string hidden = AddHiddenLayers(writer, network, inputName, "hidden_last");
        int l = network.Layers.Length - 1;
        AddInitializers(writer, network, l);
        int units = network.OutputCount;
        Heads.MlpTaskHead.For(model.Task).AddOnnxOutputs(writer, hidden, l, units);
        writer.WriteTo(stream, "mlp");
    }

    /// <summary>Adds Gemm + activation per hidden layer; returns the name of the last hidden output (the input if none).</summary>
    private static string AddHiddenLayers(OnnxGraphWriter writer, MlpNetwork network, string inputName, string lastName, bool batched = true)
    {
        string current = inputName;
        for (int l = 0; l < network.HiddenLayerCount; l++)
        {
            AddInitializers(writer, network, l);
            string z = $"z{l}", a = l == network.HiddenLayerCount - 1 ? lastName : $"a{l}";
            if (batched)
                writer.AddNode("Gemm", [current, $"W{l}", $"b{l}"], z);
            else
            {
                writer.AddNode("MatMul", [current, $"W{l}"], $"m{l}");
                writer.AddNode("Add", [$"m{l}", $"b{l}"], z);
            }
            switch (network.ActivationKind)
            {
                case MlpActivation.Identity: writer.AddNode("Identity", [z], a); break;
                case MlpActivation.Sigmoid: writer.AddNode("Sigmoid", [z], a); break;
                case MlpActivation.Tanh: writer.AddNode("Tanh", [z], a); break;
                case MlpActivation.Relu: writer.AddNode("Relu", [z], a); break;
                case MlpActivation.LeakyRelu: writer.AddNode("LeakyRelu", [z], a, floatAttribute: ("alpha", network.LeakyReluSlope)); break;
                default: throw new ArgumentOutOfRangeException(nameof(network), network.ActivationKind, "Unknown activation.");
            }
            current = a;
        }
        return current;
    }

    private static void AddInitializers(OnnxGraphWriter writer, MlpNetwork network, int l)
    {
        var layer = network.Layers[l];
        writer.AddInitializer($"W{l}", layer.Weights((ReadOnlySpan<float>)network.Parameters), layer.Inputs, layer.Outputs);
        writer.AddInitializer($"b{l}", layer.Biases(network.Parameters), layer.Outputs);
    }
}
