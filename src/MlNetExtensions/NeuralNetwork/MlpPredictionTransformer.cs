using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.NeuralNetwork.Heads;
using MlNetExtensions.NeuralNetwork.Scoring;
using MlNetExtensions.Persistence;

namespace MlNetExtensions;

/// <summary>
/// A fitted MLP in an ML.NET pipeline. It adds exactly the columns ML.NET's trainers add, with their annotations:
/// regression <c>Score</c>; binary <c>Score</c> (the margin), <c>Probability</c>, <c>PredictedLabel</c>; multiclass
/// <c>Score</c> (a known-size vector of class probabilities) and <c>PredictedLabel</c> (a key carrying the training
/// label's key values).
/// </summary>
/// <remarks>
/// <para>In process, <c>Transform</c> scores blocks of rows through the same SIMD matrix kernels as training (hidden
/// layers and output layer alike) and <c>PredictionEngine</c> one row at a time through the same kernels, so both give
/// the same bits for a row. The output columns' values follow ML.NET's own output layer (<see cref="OutputLayer"/>)
/// formula for formula.</para>
/// <para><c>mlContext.Model.Save</c> writes ML.NET's own managed transformers only (each hidden layer as a
/// <c>LinearMulticlassModelParameters</c> scorer and an <c>Expression</c> transform, then the output layer as ML.NET's
/// linear, calibrated or maximum-entropy model): the zip loads and scores in any program that references Microsoft.ML,
/// with no native code and without this library; there <c>Model.Load</c> returns a <c>TransformerChain</c>. Beside it
/// the zip holds a small entry of this library (sizes, loss curves, options; not the weights), from which
/// <see cref="ModelFileExtensions.LoadWithExtensions(ModelOperationsCatalog, string, out DataViewSchema)"/> rebuilds
/// this transformer, scoring bit-identically to the one saved.</para>
/// </remarks>
public sealed class MlpPredictionTransformer : ISingleFeaturePredictionTransformer<MlpModelParameters>
{
    private readonly IHostEnvironment _env;
    private readonly ITransformer _outputLayer;
    private readonly Microsoft.ML.Transforms.ColumnSelectingTransformer? _dropHidden;
    private readonly string _hiddenColumnName;
    private readonly MlpTaskHead _head;

    private MlpPredictionTransformer(IHostEnvironment env, MlpModelParameters model, string featureColumnName, DataViewType featureColumnType,
        string hiddenColumnName, ITransformer outputLayer)
    {
        _env = env;
        Model = model;
        FeatureColumnName = featureColumnName;
        FeatureColumnType = featureColumnType;
        _hiddenColumnName = hiddenColumnName;
        _outputLayer = outputLayer;
        _head = MlpTaskHead.For(model.Task);
        if (model.Network.HiddenLayerCount > 0)
        {
            var ml = env as MLContext ?? new MLContext();
            var withHidden = SchemaOnlyDataView.Append(SchemaOnlyDataView.SchemaOf((featureColumnName, featureColumnType)),
                hiddenColumnName, HiddenColumnType);
            _dropHidden = ml.Transforms.DropColumns(hiddenColumnName).Fit(outputLayer.Transform(new SchemaOnlyDataView(withHidden)));
        }
    }

    /// <summary>What the network learned: layer sizes, weights, loss curve.</summary>
    public MlpModelParameters Model { get; }

    /// <summary>The feature column the network reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The feature column's type (a known-size vector of Single).</summary>
    public DataViewType FeatureColumnType { get; }

    /// <summary>
    /// The output layer as ML.NET's own prediction transformer, reading the last hidden layer's activations (at their saved
    /// width: a hidden layer of one unit is saved padded to two, with a zero weight here for the padding). It is what the
    /// saved chain scores with, and it fixes the output columns' types and annotations.
    /// </summary>
    public ITransformer OutputLayer => _outputLayer;

    /// <summary>Always true: the transformer maps row to row, so <c>PredictionEngine</c> works.</summary>
    public bool IsRowToRowMapper => true;

    private VectorDataViewType HiddenColumnType
        => new(NumberDataViewType.Single, MlpSavedModelBuilder.SavedWidth(Model.Network.LastHiddenSize));

    /// <summary>The input schema with the prediction columns added, as ML.NET's saved chain adds them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing or of another width than in training.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema, transforming: false);
        return OutputSchemaFor(inputSchema);
    }

    /// <summary>The row-to-row mapper (used by <c>PredictionEngine</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing.</exception>
    /// <exception cref="InvalidOperationException">The feature column has another width than in training.</exception>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema, transforming: true);
        return new MlpRowMapper(PlanFor(inputSchema));
    }

    /// <summary>Adds the prediction columns (lazily, as ML.NET transformers do; computed in blocks of rows when read).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The feature column is missing.</exception>
    /// <exception cref="InvalidOperationException">The feature column has another width than in training.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema, transforming: true);
        return new MlpScoringDataView(input, PlanFor(input.Schema));
    }

    /// <summary>
    /// Writes the whole network as an ONNX model whose input is named after this transformer's feature column; see
    /// <see cref="MlpModelParameters.ExportToOnnx(Stream, string)"/> for the outputs.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void ExportToOnnx(Stream stream) => Model.ExportToOnnx(stream, FeatureColumnName);

    /// <summary>
    /// Writes ML.NET's own transformers (see the class remarks), so the zip loads without this library, and this library's
    /// entry beside them for <see cref="ModelFileExtensions.LoadWithExtensions(ModelOperationsCatalog, string, out DataViewSchema)"/>.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        var chain = MlpSavedModelBuilder.Build(_env, Model.Network, FeatureColumnName, FeatureColumnType, _hiddenColumnName, _outputLayer,
            _dropHidden);
        ((ICanSaveModel)chain).Save(ctx);
        var section = new ExtensionSection(MlpModelParametersFormat.SectionKind, MlpModelParametersFormat.Version,
            MlpModelParametersFormat.Write(Model, FeatureColumnName, _hiddenColumnName));
        MlNetInternals.SaveBinaryStream(ctx, ExtensionEntry.FileName, writer => ExtensionEntry.Write(writer, [section]));
    }

    private DataViewSchema OutputSchemaFor(DataViewSchema inputSchema)
    {
        if (_dropHidden is null) return _outputLayer.GetOutputSchema(inputSchema);
        var withHidden = SchemaOnlyDataView.Append(inputSchema, _hiddenColumnName, HiddenColumnType);
        return _dropHidden.GetOutputSchema(_outputLayer.GetOutputSchema(withHidden));
    }

    private MlpScoringPlan PlanFor(DataViewSchema inputSchema)
        => new(Model.Network, _head, FeatureColumnName, inputSchema, OutputSchemaFor(inputSchema));

    private void CheckInput(DataViewSchema schema, bool transforming)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ColumnChecks.FeatureColumnForModel(schema, FeatureColumnName, Model.Network.InputCount, transforming);
    }

    /// <summary>The fitted transformer: the output layer as ML.NET's model, trained on the training data's schema.</summary>
    internal static MlpPredictionTransformer Create(IHostEnvironment env, MlpModelParameters model, IDataView trainingData,
        string featureColumnName, string labelColumnName)
    {
        string hiddenName = featureColumnName + "_MlpHidden";
        var outputLayer = MlpSavedModelBuilder.CreateOutputLayer(env, model, trainingData.Schema, featureColumnName, hiddenName, labelColumnName);
        return new MlpPredictionTransformer(env, model, featureColumnName, trainingData.Schema[featureColumnName].Type, hiddenName, outputLayer);
    }

    /// <summary>The transformer rebuilt from a loaded zip: the network and ML.NET's loaded output layer.</summary>
    internal static MlpPredictionTransformer FromParts(IHostEnvironment env, MlpModelParameters model, string featureColumnName,
        DataViewType featureColumnType, string hiddenColumnName, ITransformer outputLayer)
        => new(env, model, featureColumnName, featureColumnType, hiddenColumnName, outputLayer);
}
