namespace MlNetExtensions.NeuralNetwork.Onnx;

/// <summary>The MLP as an ONNX graph (the whole network, for export).</summary>
internal static class MlpOnnxGraph
{
    /// <summary>The whole network with the outputs documented on <see cref="MlpModelParameters.ExportToOnnx"/>.</summary>
    public static void WriteWholeNetwork(MlpModelParameters model, Stream stream, string inputName,
        long opsetVersion = OnnxGraphWriter.DefaultOpsetVersion)
    {
        var network = model.Network;
        var writer = new OnnxGraphWriter(opsetVersion);
        writer.AddInput(inputName, network.InputCount);
        string hidden = AddHiddenLayers(writer, network, inputName, "hidden_last");
        int l = network.Layers.Length - 1;
        AddInitializers(writer, network, l);
        int units = network.OutputCount;
        Heads.MlpTaskHead.For(model.Task).AddOnnxOutputs(writer, hidden, l, units);
        writer.WriteTo(stream, "mlp");
    }

    /// <summary>Adds Gemm + activation per hidden layer; returns the name of the last hidden output (the input if none).</summary>
    private static string AddHiddenLayers(OnnxGraphWriter writer, MlpNetwork network, string inputName, string lastName)
    {
        string current = inputName;
        for (int l = 0; l < network.HiddenLayerCount; l++)
        {
            AddInitializers(writer, network, l);
            string z = $"z{l}", a = l == network.HiddenLayerCount - 1 ? lastName : $"a{l}";
            writer.AddNode("Gemm", [current, $"W{l}", $"b{l}"], z);
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
