using Microsoft.ML;
using MlNetExtensions.Persistence;

namespace MlNetExtensions;

public static partial class MlNetExtensionsCatalog
{
    /// <summary>
    /// Logistic regression minimising the mean binary cross-entropy plus (λ/2)‖θ‖², with Newton's method;
    /// see <see cref="BceLogisticRegressionTrainer"/>.
    /// </summary>
    /// <param name="catalog">The binary classification trainer catalog.</param>
    /// <param name="labelColumnName">Label column (Boolean, or Single 0/1).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    /// <param name="exampleWeightColumnName">Optional example weight column (Single, finite, ≥ 0).</param>
    /// <param name="l2Regularization">L2 penalty λ ≥ 0 on the weights (not the bias); 0 is plain maximum likelihood.</param>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2Regularization"/> is negative or not finite.</exception>
    public static BceLogisticRegressionTrainer BceLogisticRegression(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        double l2Regularization = 0)
        => catalog.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ExampleWeightColumnName = exampleWeightColumnName,
            L2Regularization = l2Regularization,
        });

    /// <summary>Logistic regression on binary cross-entropy with all options; see <see cref="BceLogisticRegressionTrainer.Options"/>.</summary>
    /// <param name="catalog">The binary classification trainer catalog.</param>
    /// <param name="options">The options (optimizer, tolerance, iterations, learning rate, …).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static BceLogisticRegressionTrainer BceLogisticRegression(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        BceLogisticRegressionTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        BceLogisticRegressionTrainer.Validate(options);
        var env = MlNetInternals.GetEnvironment(catalog);
        // ML.NET's own calibrated binary output shape for the same columns (SchemaShape columns cannot be built publicly).
        var reference = catalog.LbfgsLogisticRegression(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName);
        return new BceLogisticRegressionTrainer(env, options, reference);
    }
}
