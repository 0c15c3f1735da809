using Microsoft.ML;
using Defaults = MlNetExtensions.MlpOptions.Defaults;

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
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features, int[]? hiddenLayerSizes = null,
        MlpActivation activation = Defaults.Activation, int numberOfEpochs = Defaults.NumberOfEpochs, int? seed = null)
        => catalog.Mlp(SimpleOptions(labelColumnName, featureColumnName, hiddenLayerSizes, activation, numberOfEpochs, seed));

    /// <summary>An MLP for regression with all options; see <see cref="MlpOptions"/>.</summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this RegressionCatalog.RegressionTrainers catalog, MlpOptions options)
        => MlpTrainer.Create(catalog, MlpTask.Regression, options,
            o => catalog.Sdca(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName));

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
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features, int[]? hiddenLayerSizes = null,
        MlpActivation activation = Defaults.Activation, int numberOfEpochs = Defaults.NumberOfEpochs, int? seed = null)
        => catalog.Mlp(SimpleOptions(labelColumnName, featureColumnName, hiddenLayerSizes, activation, numberOfEpochs, seed));

    /// <summary>An MLP for binary classification with all options; see <see cref="MlpOptions"/>.</summary>
    /// <param name="catalog">The binary classification trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, MlpOptions options)
        => MlpTrainer.Create(catalog, MlpTask.BinaryClassification, options,
            o => catalog.LbfgsLogisticRegression(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName));

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
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features, int[]? hiddenLayerSizes = null,
        MlpActivation activation = Defaults.Activation, int numberOfEpochs = Defaults.NumberOfEpochs, int? seed = null)
        => catalog.Mlp(SimpleOptions(labelColumnName, featureColumnName, hiddenLayerSizes, activation, numberOfEpochs, seed));

    /// <summary>An MLP for multiclass classification with all options; see <see cref="MlpOptions"/>.</summary>
    /// <param name="catalog">The multiclass classification trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static MlpTrainer Mlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MlpOptions options)
        => MlpTrainer.Create(catalog, MlpTask.MulticlassClassification, options,
            o => catalog.LbfgsMaximumEntropy(o.LabelColumnName, o.FeatureColumnName, o.ExampleWeightColumnName));

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
