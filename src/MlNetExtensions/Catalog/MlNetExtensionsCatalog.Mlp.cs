using Microsoft.ML;
using Microsoft.ML.Trainers;
using MlNetExtensions.Persistence;

namespace MlNetExtensions;

public static partial class MlNetExtensionsCatalog
{
    /// <summary>
    /// A multi-layer perceptron for regression: dense hidden layers, one linear output, squared error; see
    /// <see cref="MlpTrainer"/>. Adds <c>Score</c> (Single).
    /// </summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single; standardise it first).</param>
    /// <param name="hiddenLayerSizes">Hidden layer widths; null = one layer of 32; empty = linear regression.</param>
    /// <param name="activation">Hidden activation. Default ReLU.</param>
    /// <param name="numberOfEpochs">Passes over the data (&gt; 0). Default 200.</param>
    /// <param name="seed">Seed of initialisation and shuffling; null takes one from the MLContext.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayerSizes = null,
        MlpActivation activation = MlpActivation.Relu, int numberOfEpochs = 200, int? seed = null)
        => catalog.Mlp(SimpleOptions(labelColumnName, featureColumnName, hiddenLayerSizes, activation, numberOfEpochs, seed));

    /// <summary>An MLP for regression with all options; see <see cref="MlpOptions"/>.</summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this RegressionCatalog.RegressionTrainers catalog, MlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options = MlpTrainer.Validate(options);
        // ML.NET's own regression output shape for the same columns (SchemaShape columns cannot be built publicly).
        var reference = catalog.Sdca(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName);
        return new MlpTrainer(MlNetInternals.GetEnvironment(catalog), MlpTask.Regression, options, reference);
    }

    /// <summary>
    /// A multi-layer perceptron for binary classification: dense hidden layers, one sigmoid output, cross-entropy; see
    /// <see cref="MlpTrainer"/>. Adds <c>Score</c> (the margin), <c>Probability</c> and <c>PredictedLabel</c> (Boolean).
    /// </summary>
    /// <param name="catalog">The binary classification trainer catalog.</param>
    /// <param name="labelColumnName">Label column (Boolean, or Single 0/1).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single; standardise it first).</param>
    /// <param name="hiddenLayerSizes">Hidden layer widths; null = one layer of 32; empty = logistic regression.</param>
    /// <param name="activation">Hidden activation. Default ReLU.</param>
    /// <param name="numberOfEpochs">Passes over the data (&gt; 0). Default 200.</param>
    /// <param name="seed">Seed of initialisation and shuffling; null takes one from the MLContext.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayerSizes = null,
        MlpActivation activation = MlpActivation.Relu, int numberOfEpochs = 200, int? seed = null)
        => catalog.Mlp(SimpleOptions(labelColumnName, featureColumnName, hiddenLayerSizes, activation, numberOfEpochs, seed));

    /// <summary>An MLP for binary classification with all options; see <see cref="MlpOptions"/>.</summary>
    /// <param name="catalog">The binary classification trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, MlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options = MlpTrainer.Validate(options);
        var reference = catalog.LbfgsLogisticRegression(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName);
        return new MlpTrainer(MlNetInternals.GetEnvironment(catalog), MlpTask.BinaryClassification, options, reference);
    }

    /// <summary>
    /// A multi-layer perceptron for multiclass classification: dense hidden layers, a softmax output, cross-entropy; see
    /// <see cref="MlpTrainer"/>. Adds <c>Score</c> (known-size vector of class probabilities) and <c>PredictedLabel</c>
    /// (a key with the label's key values).
    /// </summary>
    /// <param name="catalog">The multiclass classification trainer catalog.</param>
    /// <param name="labelColumnName">Label column: a key type (use <c>MapValueToKey</c>).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single; standardise it first).</param>
    /// <param name="hiddenLayerSizes">Hidden layer widths; null = one layer of 32; empty = softmax regression.</param>
    /// <param name="activation">Hidden activation. Default ReLU.</param>
    /// <param name="numberOfEpochs">Passes over the data (&gt; 0). Default 200.</param>
    /// <param name="seed">Seed of initialisation and shuffling; null takes one from the MLContext.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayerSizes = null,
        MlpActivation activation = MlpActivation.Relu, int numberOfEpochs = 200, int? seed = null)
        => catalog.Mlp(SimpleOptions(labelColumnName, featureColumnName, hiddenLayerSizes, activation, numberOfEpochs, seed));

    /// <summary>An MLP for multiclass classification with all options; see <see cref="MlpOptions"/>.</summary>
    /// <param name="catalog">The multiclass classification trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options = MlpTrainer.Validate(options);
        var reference = catalog.LbfgsMaximumEntropy(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName);
        return new MlpTrainer(MlNetInternals.GetEnvironment(catalog), MlpTask.MulticlassClassification, options, reference);
    }

    private static MlpOptions SimpleOptions(string labelColumnName, string featureColumnName, int[]? hiddenLayerSizes,
        MlpActivation activation, int numberOfEpochs, int? seed) => new()
    {
        LabelColumnName = labelColumnName,
        FeatureColumnName = featureColumnName,
        HiddenLayerSizes = hiddenLayerSizes,
        Activation = activation,
        NumberOfEpochs = numberOfEpochs,
        Seed = seed,
    };
}
