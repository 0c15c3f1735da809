using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// The in-process half of scoring: a <c>CustomMapping</c> transform that runs the hidden layers with this library's own
/// SIMD forward pass and appends the last hidden layer's activations as a known-size vector column, which ML.NET's own
/// output-layer transformer then reads. (Saved models replace it by an ONNX graph; see MlpSavedModelBuilder.)
/// </summary>
internal static class MlpHiddenMapping
{
    /// <summary>The mapping's input row; the schema definition binds the field to the feature column.</summary>
    public sealed class InputRow
    {
        public float[] Features = [];
    }

    /// <summary>The mapping's output row; the schema definition names the column and fixes its width.</summary>
    public sealed class OutputRow
    {
        public float[] Hidden = [];
    }

    public static ITransformer Create(MLContext ml, MlpNetwork network, IDataView trainingData, string featureColumnName, string hiddenColumnName)
    {
        var input = SchemaDefinition.Create(typeof(InputRow), SchemaDefinition.Direction.Read);
        input[0].ColumnName = featureColumnName;
        input[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, network.InputCount);
        var output = SchemaDefinition.Create(typeof(OutputRow), SchemaDefinition.Direction.Write);
        output[0].ColumnName = hiddenColumnName;
        output[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, network.LastHiddenSize);

        // One single-row workspace per thread: cursors may run in parallel.
        var workspaces = new ThreadLocal<MlpWorkspace>(() => new MlpWorkspace(network, 1));
        int width = network.LastHiddenSize;
        void Map(InputRow source, OutputRow destination)
        {
            var hidden = network.Forward(source.Features, 1, workspaces.Value!, hiddenOnly: true);
            if (destination.Hidden.Length != width) destination.Hidden = new float[width];
            hidden.CopyTo(destination.Hidden);
        }
        return ml.Transforms.CustomMapping<InputRow, OutputRow>(Map, contractName: null, input, output).Fit(trainingData);
    }
}
