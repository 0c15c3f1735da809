using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Persistence;

namespace MlNetExtensions;

/// <summary>
/// The entry points: extension methods on ML.NET's trainer catalogs, used like the built-ins, e.g.
/// <c>mlContext.Regression.Trainers.ClosedFormLinearRegression()</c>.
/// </summary>
public static partial class MlNetExtensionsCatalog
{
    /// <summary>
    /// Least-squares linear regression solved exactly through the normal equations, with optional ridge penalty and
    /// example weights; see <see cref="ClosedFormLinearRegressionTrainer"/>.
    /// </summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    /// <param name="exampleWeightColumnName">Optional example weight column (Single, finite, ≥ 0).</param>
    /// <param name="l2Regularization">Ridge penalty λ ≥ 0 on the weights (not the bias); 0 is ordinary least squares.</param>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2Regularization"/> is negative or not finite.</exception>
    public static ClosedFormLinearRegressionTrainer ClosedFormLinearRegression(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        double l2Regularization = 0)
        => catalog.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ExampleWeightColumnName = exampleWeightColumnName,
            L2Regularization = l2Regularization,
        });

    /// <summary>Closed-form linear regression with all options; see <see cref="ClosedFormLinearRegressionTrainer.Options"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static ClosedFormLinearRegressionTrainer ClosedFormLinearRegression(this RegressionCatalog.RegressionTrainers catalog,
        ClosedFormLinearRegressionTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        OptionChecks.ColumnName(options.LabelColumnName, nameof(options.LabelColumnName));
        OptionChecks.ColumnName(options.FeatureColumnName, nameof(options.FeatureColumnName));
        var env = MlNetInternals.GetEnvironment(catalog);
        // ML.NET's own regression output shape for the same columns (SchemaShape columns cannot be built publicly).
        var reference = catalog.Sdca(options.LabelColumnName, options.FeatureColumnName, options.ExampleWeightColumnName);
        return new ClosedFormLinearRegressionTrainer(env, options, reference);
    }

    /// <summary>
    /// Least-squares statistics (R², standard errors, t, p-values) of any fitted linear regression model, ML.NET's
    /// Sdca and OnlineGradientDescent included, on <paramref name="data"/>, in one streaming pass. The standard errors
    /// are those of ordinary least squares evaluated at the given model's residuals.
    /// </summary>
    /// <param name="catalog">The regression catalog.</param>
    /// <param name="model">A fitted linear regression transformer, e.g. the last transformer of a fitted pipeline.</param>
    /// <param name="data">Data holding the model's feature column (e.g. the output of the pipeline's earlier transforms) and the label.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="l2Regularization">The ridge λ the model was trained with, for the covariance; 0 for OLS.</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, or the model's width differs from the data's.</exception>
    public static LinearRegressionStatistics ComputeLinearStatistics(this RegressionCatalog catalog,
        ISingleFeaturePredictionTransformer<LinearRegressionModelParameters> model, IDataView data,
        string labelColumnName = "Label", string? exampleWeightColumnName = null, double l2Regularization = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        OptionChecks.NonNegativeFinite(l2Regularization, nameof(l2Regularization));
        var env = MlNetInternals.GetEnvironment(catalog.Trainers);
        var reader = TrainingDataReader.Create(data, labelColumnName, model.FeatureColumnName, exampleWeightColumnName, LabelKind.Regression);
        var weights = model.Model.Weights;
        if (weights.Count != reader.FeatureCount)
            throw new ArgumentException(
                $"Feature column '{model.FeatureColumnName}' has {reader.FeatureCount} features, but the model has {weights.Count} weights.", nameof(data));
        var (moments, _) = ClosedFormLinearRegressionTrainer.Accumulate(env, reader, null, exampleWeightColumnName is not null);
        return LinearRegressionStatistics.Compute(moments, weights.Select(w => (double)w).ToArray(), model.Model.Bias, l2Regularization);
    }
}
