using Microsoft.ML;
using Defaults = MlNetExtensions.BceLogisticRegressionTrainer.Options.Defaults;

namespace MlNetExtensions;

public static partial class MlNetExtensionsCatalog
{
    /// <summary>
    /// Logistic regression minimising the mean binary cross-entropy plus (λ/2)‖θ‖²; see <see cref="BceLogisticRegressionTrainer"/>.
    /// </summary>
    /// <param name="catalog">The binary classification trainer catalog.</param>
    /// <param name="labelColumnName">Label column (Boolean, or Single 0/1).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    /// <param name="exampleWeightColumnName">Optional example weight column (Single, finite, ≥ 0).</param>
    /// <param name="l2Regularization">L2 penalty λ ≥ 0 on the weights (not the bias); default 1e-4 (<see cref="GlmTrainerOptions.L2Regularization"/>).</param>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2Regularization"/> is negative or not finite.</exception>
    public static BceLogisticRegressionTrainer BceLogisticRegression(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        string? exampleWeightColumnName = null, double l2Regularization = Defaults.L2Regularization)
        => BceLogisticRegressionTrainer.Create(catalog, new BceLogisticRegressionTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ExampleWeightColumnName = exampleWeightColumnName,
            L2Regularization = l2Regularization,
        });

    /// <summary>Logistic regression on binary cross-entropy with all options; see <see cref="BceLogisticRegressionTrainer.Options"/>.</summary>
    /// <param name="catalog">The binary classification trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static BceLogisticRegressionTrainer BceLogisticRegression(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        BceLogisticRegressionTrainer.Options options)
        => BceLogisticRegressionTrainer.Create(catalog, options);
}
