using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Interop;
using MlNetExtensions.NeuralNetwork.Heads;

namespace MlNetExtensions.NeuralNetwork;

/// <summary>
/// The saved form of an MLP, both ways: building it from a network, and rebuilding the network from it after a load.
/// The saved form is made only of ML.NET's own managed transformers, so the zip loads and scores in a program that
/// references Microsoft.ML alone (no native code):
/// <code>
/// TransformerChain [ per hidden layer l:
///                      MulticlassPredictionTransformer&lt;LinearMulticlassModelParameters&gt; (z_l = a_{l-1}·W_l + b_l),
///                      ExpressionTransformer (a_l = f(z_l), element-wise on the vector),
///                      ColumnSelectingTransformer (drops z_l, which the scorer always names Score, its argmax
///                        column and a_{l-1}),
///                    the output layer: ML.NET's Regression/Binary/MulticlassPredictionTransformer over the last a,
///                    ColumnSelectingTransformer (drops the last a) ]
/// </code>
/// A network without hidden layers is saved as the output layer alone (reading the feature column).
/// </summary>
/// <remarks>
/// <see cref="LinearMulticlassModelParameters"/> needs at least two outputs, so a hidden layer of width 1 is saved
/// padded to 2 with an all-zero unit, and the layer after it gets a zero weight for the padding. The weights live only in
/// these ML.NET objects; what they cannot hold (true layer sizes, loss curves, options …) is the <c>Mlp</c> section of
/// the extension entry (<see cref="MlpModelParametersFormat"/>), from which <see cref="Restore"/> rebuilds the exact
/// network: the floats are the same, so the restored transformer scores bit-identically to the one that was saved.
/// </remarks>
internal static class MlpSavedModelBuilder
{
    /// <summary>The width a hidden layer of <paramref name="units"/> units is saved with.</summary>
    public static int SavedWidth(int units) => Math.Max(units, 2);

    /// <summary>
    /// The output layer as ML.NET's own prediction transformer over <paramref name="hiddenColumnName"/> (the last hidden
    /// layer at its saved width, or the feature column without hidden layers), trained on <paramref name="trainingSchema"/>
    /// so that its output columns carry the label's annotations.
    /// </summary>
    public static ITransformer CreateOutputLayer(IHostEnvironment env, MlpModelParameters model, DataViewSchema trainingSchema,
        string featureColumnName, string hiddenColumnName, string labelColumnName)
    {
        var network = model.Network;
        int last = network.Layers.Length - 1;
        var layer = network.Layers[last];
        int inputs = network.HiddenLayerCount == 0 ? layer.Inputs : SavedWidth(layer.Inputs);
        var schema = network.HiddenLayerCount == 0
            ? trainingSchema
            : SchemaOnlyDataView.Append(trainingSchema, hiddenColumnName, new VectorDataViewType(NumberDataViewType.Single, inputs));
        var (perUnit, biases) = UnitMajor(network, last, inputs, layer.Outputs);
        return MlpTaskHead.For(model.Task).CreateOutputLayer(env, perUnit, biases, schema,
            network.HiddenLayerCount == 0 ? featureColumnName : hiddenColumnName, labelColumnName, model.ClassNames);
    }

    /// <summary>The chain described in the class summary, ending with <paramref name="outputLayer"/>.</summary>
    public static ITransformer Build(IHostEnvironment env, MlpNetwork network, string featureColumnName, DataViewType featureType,
        string hiddenColumnName, ITransformer outputLayer, ITransformer? dropHidden)
    {
        if (network.HiddenLayerCount == 0) return outputLayer;
        ArgumentNullException.ThrowIfNull(dropHidden);
        var ml = env as MLContext ?? new MLContext();
        IDataView view = new SchemaOnlyDataView(SchemaOnlyDataView.SchemaOf((featureColumnName, featureType)));
        var elements = new List<ITransformer>();
        string input = featureColumnName;
        int inputWidth = network.InputCount;
        for (int l = 0; l < network.HiddenLayerCount; l++)
        {
            var layer = network.Layers[l];
            int width = SavedWidth(layer.Outputs);
            // ML.NET's scorer always names its output Score (the name given is the mapper's column it reads).
            const string z = "Score";
            string argmax = $"{hiddenColumnName}.argmax{l}";
            string a = l == network.HiddenLayerCount - 1 ? hiddenColumnName : $"{hiddenColumnName}.a{l}";
            var (perUnit, biases) = UnitMajor(network, l, inputWidth, width);
            var linear = MlNetInternals.CreateLinearMulticlassModel(env, perUnit, biases, inputWidth);
            var product = MlNetInternals.CreateLinearMulticlassTransformer(env, linear, view.Schema, input, z, argmax);
            view = product.Transform(view);
            var activation = ml.Transforms.Expression(a, ActivationExpression(network.ActivationKind, network.LeakyReluSlope), z).Fit(view);
            view = activation.Transform(view);
            var drop = ml.Transforms.DropColumns(l == 0 ? [z, argmax] : [z, argmax, input]).Fit(view);
            view = drop.Transform(view);
            elements.AddRange([product, activation, drop]);
            input = a;
            inputWidth = width;
        }
        elements.Add(outputLayer);
        elements.Add(dropHidden);
        return new TransformerChain<ITransformer>(elements.ToArray());
    }

    /// <summary>
    /// The activation as ML.NET's expression language writes it (element-wise on a vector column). Tanh is written through
    /// exp because the language's <c>tanh</c> runs in double and is twice as slow; the slope of LeakyReLU is written as the
    /// exact decimal value of the float, so the expression parses back to the same float.
    /// </summary>
    public static string ActivationExpression(MlpActivation activation, float leakySlope) => activation switch
    {
        MlpActivation.Identity => "x => x",
        MlpActivation.Relu => "x => max(x, 0f)",
        MlpActivation.LeakyRelu => $"x => x > 0f ? x : x * {ExactLiteral(leakySlope)}f",
        MlpActivation.Sigmoid => "x => 1f / (1f + exp(-x))",
        MlpActivation.Tanh => "x => 1f - 2f / (exp(2f * x) + 1f)",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    private static string ExactLiteral(float value)
    {
        // The expression lexer parses a literal as double, then casts to float; a float is exact in double, so the
        // double's round-trip digits give back this float exactly (the float's own shortest digits might not).
        string text = ((double)value).ToString("R", CultureInfo.InvariantCulture);
        if (text.Contains('E', StringComparison.Ordinal))
            text = ((double)value).ToString("F150", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return text;
    }

    /// <summary>
    /// Rebuilds the MLP from what ML.NET loaded at the transformer's place in the chain (<paramref name="loaded"/>) and the
    /// <c>Mlp</c> section read from the same zip directory.
    /// </summary>
    /// <exception cref="InvalidDataException">The loaded objects do not have the shape the section describes.</exception>
    public static MlpPredictionTransformer Restore(IHostEnvironment env, ITransformer loaded, MlpModelParametersFormat.Metadata metadata,
        string entryName)
    {
        var sizes = metadata.LayerSizes;
        int hiddenCount = sizes.Length - 2;
        var network = new MlpNetwork(sizes, metadata.Activation, metadata.LeakyReluSlope);
        ITransformer outputLayer;
        if (hiddenCount == 0)
        {
            outputLayer = loaded;
        }
        else
        {
            if (!MlNetInternals.TryGetChainElements(loaded, out var elements, out _) || elements.Length != 3 * hiddenCount + 2)
                throw Mismatch(entryName, $"a chain of {3 * hiddenCount + 2} transformers for {hiddenCount} hidden layers", loaded);
            int inputWidth = sizes[0];
            for (int l = 0; l < hiddenCount; l++)
            {
                if (elements[3 * l] is not MulticlassPredictionTransformer<LinearMulticlassModelParameters> product)
                    throw Mismatch(entryName, $"the matrix product of hidden layer {l}", elements[3 * l]);
                var weights = Array.Empty<VBuffer<float>>();
                product.Model.GetWeights(ref weights, out int units);
                var biases = product.Model.GetBiases().ToArray();
                CopyLayer(network, l, weights, biases, inputWidth, SavedWidth(sizes[l + 1]), entryName);
                inputWidth = SavedWidth(sizes[l + 1]);
            }
            outputLayer = elements[3 * hiddenCount];
        }
        CopyOutputLayer(network, metadata.Task, outputLayer, hiddenCount == 0 ? sizes[0] : SavedWidth(sizes[^2]), entryName);
        var model = new MlpModelParameters(metadata.Task, network, metadata.TrainingLoss, metadata.ValidationLoss, metadata.BestEpoch,
            metadata.ClassNames, metadata.Options);
        return MlpPredictionTransformer.FromParts(env, model, metadata.FeatureColumnName, metadata.FeatureColumnType,
            metadata.HiddenColumnName, outputLayer);
    }

    /// <summary>Layer <paramref name="l"/>'s weights one row per unit (padded with zeros to the saved widths), and its biases.</summary>
    private static (float[][] PerUnit, float[] Biases) UnitMajor(MlpNetwork network, int l, int inputs, int units)
    {
        var layer = network.Layers[l];
        var w = layer.Weights((ReadOnlySpan<float>)network.Parameters);
        var b = layer.Biases(network.Parameters);
        var perUnit = new float[units][];
        var biases = new float[units];
        for (int j = 0; j < units; j++)
        {
            perUnit[j] = new float[inputs];
            if (j >= layer.Outputs) continue;
            for (int i = 0; i < layer.Inputs; i++) perUnit[j][i] = w[i * layer.Outputs + j];
            biases[j] = b[j];
        }
        return (perUnit, biases);
    }

    /// <summary>Writes one saved layer (unit-major, padded) back into the network's input-major parameters.</summary>
    private static void CopyLayer(MlpNetwork network, int l, VBuffer<float>[] perUnit, float[] biases, int savedInputs, int savedUnits,
        string entryName)
    {
        var layer = network.Layers[l];
        if (perUnit.Length != savedUnits || biases.Length != savedUnits || perUnit.Any(v => v.Length != savedInputs))
            throw new InvalidDataException(
                $"The model entry '{entryName}' describes layer {l} as {layer.Inputs} → {layer.Outputs} (saved {savedInputs} → {savedUnits}), " +
                $"but the zip's ML.NET model for it has {perUnit.Length} units of {perUnit.FirstOrDefault().Length} inputs.");
        var w = layer.Weights(network.Parameters.AsSpan());
        var b = network.Parameters.AsSpan(layer.Offset + layer.WeightCount, layer.Outputs);
        for (int j = 0; j < savedUnits; j++)
        {
            var values = perUnit[j].DenseValues().ToArray();
            for (int i = 0; i < savedInputs; i++)
            {
                if (i < layer.Inputs && j < layer.Outputs) w[i * layer.Outputs + j] = values[i];
                else if (values[i] != 0) throw Padding(entryName, l);
            }
            if (j < layer.Outputs) b[j] = biases[j];
            else if (biases[j] != 0) throw Padding(entryName, l);
        }
    }

    private static void CopyOutputLayer(MlpNetwork network, MlpTask task, ITransformer outputLayer, int savedInputs, string entryName)
    {
        int l = network.Layers.Length - 1;
        VBuffer<float>[] perUnit;
        float[] biases;
        switch (task, outputLayer)
        {
            case (MlpTask.Regression, RegressionPredictionTransformer<LinearRegressionModelParameters> regression):
                perUnit = [Dense(regression.Model.Weights)];
                biases = [regression.Model.Bias];
                break;
            case (MlpTask.BinaryClassification, BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> binary):
                perUnit = [Dense(binary.Model.SubModel.Weights)];
                biases = [binary.Model.SubModel.Bias];
                break;
            case (MlpTask.MulticlassClassification, MulticlassPredictionTransformer<MaximumEntropyModelParameters> multiclass):
                perUnit = [];
                multiclass.Model.GetWeights(ref perUnit, out _);
                biases = multiclass.Model.GetBiases().ToArray();
                break;
            default:
                throw Mismatch(entryName, $"the output layer of a {task} MLP", outputLayer);
        }
        CopyLayer(network, l, perUnit, biases, savedInputs, network.Layers[l].Outputs, entryName);
    }

    private static VBuffer<float> Dense(IReadOnlyList<float> weights) => new(weights.Count, weights.ToArray());

    private static InvalidDataException Padding(string entryName, int layer)
        => new($"The model entry '{entryName}': the ML.NET model of layer {layer} has non-zero weights where a width-1 layer was padded.");

    private static InvalidDataException Mismatch(string entryName, string expected, ITransformer actual)
        => new($"The model entry '{entryName}' describes an MLP, but ML.NET loaded a {actual.GetType().Name} where {expected} was expected.");
}
