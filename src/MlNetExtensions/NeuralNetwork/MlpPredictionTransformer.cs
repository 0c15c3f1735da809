using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Heads;
using MlNetExtensions.Interop;

namespace MlNetExtensions;

/// <summary>
/// A fitted MLP in an ML.NET pipeline. It adds exactly the columns ML.NET's trainers add, with their annotations:
/// regression <c>Score</c>; binary <c>Score</c> (the margin), <c>Probability</c>, <c>PredictedLabel</c>; multiclass
/// <c>Score</c> (a known-size vector of class probabilities) and <c>PredictedLabel</c> (a key carrying the training
/// label's key values).
/// </summary>
/// <remarks>
/// In process, the hidden layers run on this library's SIMD forward pass and the output layer is ML.NET's own linear
/// model (<c>LinearRegressionModelParameters</c>, the calibrated <c>LinearBinaryModelParameters</c> of logistic
/// regression, or <c>MaximumEntropyModelParameters</c>), so the output columns come from ML.NET itself.
/// <c>mlContext.Model.Save</c> writes ML.NET's own transformers only (an ONNX graph of the hidden layers in
/// <c>OnnxTransformer</c>, then that output layer): the zip loads without this library, in any program that references
/// Microsoft.ML, Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime, and <c>Model.Load</c> returns a
/// <c>TransformerChain</c> (dispose it: OnnxTransformer keeps a temporary copy of the graph until then).
/// </remarks>
public sealed class MlpPredictionTransformer : ISingleFeaturePredictionTransformer<MlpModelParameters>
{
    private readonly ITransformer _scorer;
    private readonly ITransformer _outputLayer;
    private readonly ITransformer? _dropHidden;
    private readonly string _hiddenColumnName;

    private MlpPredictionTransformer(MlpModelParameters model, string featureColumnName, DataViewType featureColumnType,
        ITransformer scorer, ITransformer outputLayer, ITransformer? dropHidden, string hiddenColumnName)
    {
        Model = model;
        FeatureColumnName = featureColumnName;
        FeatureColumnType = featureColumnType;
        _scorer = scorer;
        _outputLayer = outputLayer;
        _dropHidden = dropHidden;
        _hiddenColumnName = hiddenColumnName;
    }

    /// <summary>What the network learned: layer sizes, weights, loss curve.</summary>
    public MlpModelParameters Model { get; }

    /// <summary>The feature column the network reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The feature column's type (a known-size vector of Single).</summary>
    public DataViewType FeatureColumnType { get; }

    /// <summary>The output layer as ML.NET's own prediction transformer (reading the last hidden layer's activations).</summary>
    public ITransformer OutputLayer => _outputLayer;

    /// <summary>Always true: the transformer maps row to row, so <c>PredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema with the prediction columns added.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or of another width than in training.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema, transforming: false);
        return _scorer.GetOutputSchema(inputSchema);
    }

    /// <summary>The row-to-row mapper (used by <c>PredictionEngine</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing.</exception>
    /// <exception cref="InvalidOperationException">The feature column has another width than in training.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema, transforming: true);
        return _scorer.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Adds the prediction columns (lazily, as ML.NET transformers do).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing.</exception>
    /// <exception cref="InvalidOperationException">The feature column has another width than in training.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema, transforming: true);
        return _scorer.Transform(input);
    }

    /// <summary>
    /// Writes the whole network as an ONNX model whose input is named after this transformer's feature column; see
    /// <see cref="MlpModelParameters.ExportToOnnx(Stream, string)"/> for the outputs.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void ExportToOnnx(Stream stream) => Model.ExportToOnnx(stream, FeatureColumnName);

    /// <summary>Writes ML.NET's own transformers only (see the class remarks), so the zip loads without this library.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
        => MlpSavedModelBuilder.Save(ctx, Model.Network, FeatureColumnName, _hiddenColumnName, _outputLayer, _dropHidden);

    private void CheckInput(DataViewSchema schema, bool transforming)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ColumnChecks.FeatureColumnForModel(schema, FeatureColumnName, Model.Network.InputCount, transforming);
    }

    /// <summary>Assembles the in-process scorer: hidden-layer mapping → ML.NET output layer → drop the hidden column.</summary>
    internal static MlpPredictionTransformer Create(IHostEnvironment env, MlpModelParameters model, IDataView trainingData,
        string featureColumnName, string labelColumnName)
    {
        var network = model.Network;
        var ml = env as MLContext ?? new MLContext();
        var featureType = trainingData.Schema[featureColumnName].Type;
        if (network.HiddenLayerCount == 0)
        {
            var direct = CreateOutputLayer(env, model, trainingData.Schema, featureColumnName, labelColumnName);
            return new MlpPredictionTransformer(model, featureColumnName, featureType, direct, direct, null, featureColumnName);
        }
        string hiddenName = featureColumnName + "_MlpHidden";
        var hidden = MlpHiddenMapping.Create(ml, network, trainingData, featureColumnName, hiddenName);
        var hiddenData = hidden.Transform(trainingData);
        var output = CreateOutputLayer(env, model, hiddenData.Schema, hiddenName, labelColumnName);
        var drop = ml.Transforms.DropColumns(hiddenName).Fit(output.Transform(hiddenData));
        var scorer = new TransformerChain<ITransformer>(hidden, output, drop);
        return new MlpPredictionTransformer(model, featureColumnName, featureType, scorer, output, drop, hiddenName);
    }

    /// <summary>The last layer as ML.NET's own linear model over the last hidden representation.</summary>
    private static ITransformer CreateOutputLayer(IHostEnvironment env, MlpModelParameters model, DataViewSchema schema,
        string inputColumnName, string labelColumnName)
    {
        var network = model.Network;
        int last = network.Layers.Length - 1;
        var layer = network.Layers[last];
        var weights = layer.Weights((ReadOnlySpan<float>)network.Parameters);
        var biases = layer.Biases(network.Parameters);
        int h = layer.Inputs, k = layer.Outputs;
        var perUnit = new float[k][];
        for (int unit = 0; unit < k; unit++)
        {
            perUnit[unit] = new float[h];
            for (int i = 0; i < h; i++) perUnit[unit][i] = weights[i * k + unit];
        }
        return MlpTaskHead.For(model.Task).CreateOutputLayer(env, perUnit, biases.ToArray(), schema, inputColumnName, labelColumnName,
            model.ClassNames);
    }
}
