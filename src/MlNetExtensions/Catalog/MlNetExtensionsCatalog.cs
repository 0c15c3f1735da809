using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Defaults = MlNetExtensions.ClosedFormLinearRegressionTrainer.Options.Defaults;

namespace MlNetExtensions;

/// <summary>
/// The entry points: extension methods on ML.NET's trainer catalogs, used like the built-ins, e.g.
/// <c>mlContext.Regression.Trainers.ClosedFormLinearRegression()</c>. Each only forwards to the trainer.
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
    /// <param name="l2Regularization">Ridge penalty λ ≥ 0 on the weights (not the bias); 0 (the default) is ordinary least squares.</param>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2Regularization"/> is negative or not finite.</exception>
    public static ClosedFormLinearRegressionTrainer ClosedFormLinearRegression(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        string? exampleWeightColumnName = null, double l2Regularization = Defaults.L2Regularization)
        => ClosedFormLinearRegressionTrainer.Create(catalog, new ClosedFormLinearRegressionTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ExampleWeightColumnName = exampleWeightColumnName,
            L2Regularization = l2Regularization,
        });

    /// <summary>Closed-form linear regression with all options; see <see cref="ClosedFormLinearRegressionTrainer.Options"/>.</summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static ClosedFormLinearRegressionTrainer ClosedFormLinearRegression(this RegressionCatalog.RegressionTrainers catalog,
        ClosedFormLinearRegressionTrainer.Options options)
        => ClosedFormLinearRegressionTrainer.Create(catalog, options);

    /// <summary>
    /// Poisson regression (log link) for counts or rates, by maximum likelihood with an optional L2 penalty; see
    /// <see cref="PoissonRegressionTrainer"/>. Score is the predicted mean.
    /// </summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="labelColumnName">Label column (Single, ≥ 0).</param>
    /// <param name="featureColumnName">Feature column (known-size vector of Single).</param>
    /// <param name="exampleWeightColumnName">Optional example weight column (Single, finite, ≥ 0), e.g. the exposure of a rate.</param>
    /// <param name="l2Regularization">L2 penalty λ ≥ 0 on the weights (not the bias); 0 (the default) is plain maximum likelihood.</param>
    /// <exception cref="ArgumentException">A column name is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="l2Regularization"/> is negative or not finite.</exception>
    public static PoissonRegressionTrainer PoissonRegression(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        string? exampleWeightColumnName = null, double l2Regularization = PoissonRegressionTrainer.Options.Defaults.L2Regularization)
        => PoissonRegressionTrainer.Create(catalog, new PoissonRegressionTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            ExampleWeightColumnName = exampleWeightColumnName,
            L2Regularization = l2Regularization,
        });

    /// <summary>Poisson regression with all options; see <see cref="PoissonRegressionTrainer.Options"/>.</summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="options">The options (copied: later changes do not affect the trainer).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public static PoissonRegressionTrainer PoissonRegression(this RegressionCatalog.RegressionTrainers catalog,
        PoissonRegressionTrainer.Options options)
        => PoissonRegressionTrainer.Create(catalog, options);

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
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or the model's width differs from the data's.</exception>
    public static LinearRegressionStatistics ComputeLinearStatistics(this RegressionCatalog catalog,
        ISingleFeaturePredictionTransformer<LinearRegressionModelParameters> model, IDataView data,
        string labelColumnName = DefaultColumnNames.Label, string? exampleWeightColumnName = null, double l2Regularization = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return LinearRegressionStatistics.Compute(catalog.Trainers, model, data, labelColumnName, exampleWeightColumnName, l2Regularization);
    }
}
