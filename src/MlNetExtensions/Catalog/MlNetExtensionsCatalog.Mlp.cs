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

    /// <summary>
    /// Why <c>OneVersusAll</c> cannot wrap this library's binary MLP, and what to use instead (the text of the
    /// compile-time error the two overloads below raise).
    /// </summary>
    internal const string MetaTrainerMessage =
        "ML.NET's OneVersusAll and PairwiseCoupling cannot wrap the MLP: they evaluate each binary model directly on the " +
        "feature column through ML.NET's internal IPredictorProducing<float>/IValueMapper interfaces, which only ML.NET's own " +
        "model classes implement, and no ML.NET model class can hold a network with hidden layers. Use " +
        "mlContext.MulticlassClassification.Trainers.Mlp(...) instead: one network with a softmax output over all classes, " +
        "trained once rather than once per class.";

    /// <summary>
    /// Not supported: a compile-time error that explains why and names the alternative. ML.NET's
    /// <c>OneVersusAll</c> needs a binary trainer whose model is one of ML.NET's own predictor classes (it scores each
    /// class's model on the feature column through ML.NET's internal <c>IPredictorProducing&lt;float&gt;</c>), and a
    /// network with hidden layers is none of them. Use
    /// <see cref="Mlp(MulticlassClassificationCatalog.MulticlassClassificationTrainers, MlpOptions)"/>: one softmax network
    /// over all classes.
    /// </summary>
    /// <param name="catalog">The multiclass classification trainer catalog.</param>
    /// <param name="binaryEstimator">A binary <see cref="MlpTrainer"/>.</param>
    /// <param name="labelColumnName">Unused.</param>
    /// <param name="imputeMissingLabelsAsNegative">Unused.</param>
    /// <param name="calibrator">Unused.</param>
    /// <param name="maximumCalibrationExampleCount">Unused.</param>
    /// <param name="useProbabilities">Unused.</param>
    /// <exception cref="NotSupportedException">Always (reachable only through reflection: the compiler refuses the call).</exception>
    [Obsolete(MetaTrainerMessage, error: true)]
    public static ITransformer OneVersusAll(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MlpTrainer binaryEstimator,
        string labelColumnName = DefaultColumnNames.Label, bool imputeMissingLabelsAsNegative = false,
        IEstimator<ISingleFeaturePredictionTransformer<Microsoft.ML.Calibrators.ICalibrator>>? calibrator = null,
        int maximumCalibrationExampleCount = 1_000_000_000, bool useProbabilities = true)
        => throw new NotSupportedException(MetaTrainerMessage);

    /// <summary>
    /// Not supported, for the reason <see cref="OneVersusAll"/> gives: without this overload the call compiles (the MLP is an
    /// <c>ITrainerEstimator&lt;ISingleFeaturePredictionTransformer&lt;TModel&gt;, TModel&gt;</c>) and ML.NET rejects it when it
    /// runs ("Trainer estimator does not appear to produce the right kind of model"). Use
    /// <see cref="Mlp(MulticlassClassificationCatalog.MulticlassClassificationTrainers, MlpOptions)"/>.
    /// </summary>
    /// <param name="catalog">The multiclass classification trainer catalog.</param>
    /// <param name="binaryEstimator">A binary <see cref="MlpTrainer"/>.</param>
    /// <param name="labelColumnName">Unused.</param>
    /// <param name="imputeMissingLabelsAsNegative">Unused.</param>
    /// <param name="calibrator">Unused.</param>
    /// <param name="maximumCalibrationExampleCount">Unused.</param>
    /// <exception cref="NotSupportedException">Always (reachable only through reflection: the compiler refuses the call).</exception>
    [Obsolete(MetaTrainerMessage, error: true)]
    public static ITransformer PairwiseCoupling(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MlpTrainer binaryEstimator,
        string labelColumnName = DefaultColumnNames.Label, bool imputeMissingLabelsAsNegative = false,
        IEstimator<ISingleFeaturePredictionTransformer<Microsoft.ML.Calibrators.ICalibrator>>? calibrator = null,
        int maximumCalibrationExampleCount = 1_000_000_000)
        => throw new NotSupportedException(MetaTrainerMessage);

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
