using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Numerics;

namespace MlNetExtensions;

/// <summary>
/// The statistics users of ordinary least squares expect: goodness of fit and, per coefficient, the standard error,
/// t statistic and two-sided p-value (Student t with n − p degrees of freedom). Coefficient arrays put the bias at
/// index 0 and the feature weights after it, as ML.NET's OLS trainer does.
/// </summary>
/// <remarks>
/// With example weights, these are weighted-least-squares statistics with the weights as precisions (the
/// convention of R's <c>lm(weights=)</c> and statsmodels' WLS): n counts rows with a positive weight. With ridge
/// (λ &gt; 0) the coefficient covariance is the sandwich σ²(C+λI)⁻¹C(C+λI)⁻¹, which is the OLS σ²C⁻¹ at λ = 0.
/// </remarks>
public sealed class LinearRegressionStatistics : CoefficientStatistics
{
    internal LinearRegressionStatistics(long count, double weightSum, double residualSumOfSquares, double totalSumOfSquares,
        double[] coefficients, double[]? standardErrors, string? unavailableReason)
        : base(count, coefficients, standardErrors, unavailableReason, count - coefficients.Length)
    {
        WeightSum = weightSum;
        ResidualSumOfSquares = residualSumOfSquares;
        TotalSumOfSquares = totalSumOfSquares;
        DegreesOfFreedom = count - coefficients.Length;
        RSquared = totalSumOfSquares > 0 ? 1 - residualSumOfSquares / totalSumOfSquares : null;
        AdjustedRSquared = DegreesOfFreedom > 0 && count > 1 && RSquared is { } r2
            ? 1 - (1 - r2) * (count - 1) / DegreesOfFreedom
            : null;
        ResidualStandardError = DegreesOfFreedom > 0 ? Math.Sqrt(residualSumOfSquares / DegreesOfFreedom) : null;
    }

    /// <summary>n − p, the residual degrees of freedom (≤ 0 when there are no more rows than coefficients).</summary>
    public long DegreesOfFreedom { get; }

    /// <summary>Σw over the rows.</summary>
    public double WeightSum { get; }

    /// <summary>Σw(y − ŷ)².</summary>
    public double ResidualSumOfSquares { get; }

    /// <summary>Σw(y − ȳ)².</summary>
    public double TotalSumOfSquares { get; }

    /// <summary>1 − RSS/TSS; null when the label is constant (TSS = 0).</summary>
    public double? RSquared { get; }

    /// <summary>1 − (1 − R²)(n − 1)/(n − p); null when n ≤ p or R² is undefined.</summary>
    public double? AdjustedRSquared { get; }

    /// <summary>√(RSS/(n − p)), the estimate of the noise standard deviation σ; null when n ≤ p.</summary>
    public double? ResidualStandardError { get; }

    /// <summary>t = coefficient / standard error, bias first; null when unavailable.</summary>
    public IReadOnlyList<double>? TValues => TestStatistics;

    private protected override string TestStatisticName => "t";

    private protected override IEnumerable<string> SummaryLines()
    {
        var inv = CultureInfo.InvariantCulture;
        yield return string.Format(inv, "n = {0}, p = {1}, R² = {2}, adjusted R² = {3}, residual standard error = {4} on {5} degrees of freedom",
            Count, ParameterCount, Format(RSquared, "F4"), Format(AdjustedRSquared, "F4"), Format(ResidualStandardError, "G5"), DegreesOfFreedom);
    }

    private static string Format(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";

    /// <summary>
    /// Computes the statistics of the linear model <paramref name="weights"/>, <paramref name="bias"/> on the data summarised by
    /// <paramref name="moments"/>; the covariance assumes the model is the (ridge) least-squares fit with <paramref name="l2Regularization"/>.
    /// </summary>
    /// <param name="moments">The sufficient statistics.</param>
    /// <param name="weights">θ.</param>
    /// <param name="bias">b.</param>
    /// <param name="l2Regularization">λ of the fit.</param>
    /// <param name="skipCoefficientStatistics">Why the standard errors are not to be computed (null: compute them).</param>
    internal static LinearRegressionStatistics Compute(LeastSquaresMoments moments, IReadOnlyList<double> weights, double bias,
        double l2Regularization = 0, string? skipCoefficientStatistics = null)
    {
        ArgumentNullException.ThrowIfNull(moments);
        ArgumentNullException.ThrowIfNull(weights);
        int d = moments.FeatureCount;
        if (weights.Count != d)
            throw new ArgumentException($"The model has {weights.Count} weights but the data has {d} features.", nameof(weights));
        var theta = weights.ToArray();
        double rss = moments.ResidualSumOfSquares(theta, bias);
        var coefficients = new double[d + 1];
        coefficients[0] = bias;
        theta.CopyTo(coefficients, 1);
        int p = d + 1;

        string? reason = null;
        double[]? standardErrors = null;
        if (skipCoefficientStatistics is not null)
        {
            reason = skipCoefficientStatistics;
        }
        else if (moments.Count <= p)
        {
            reason = $"coefficient statistics need more rows than coefficients (n = {moments.Count}, p = {p})";
        }
        else
        {
            var inverse = LeastSquaresSolver.TryInverseGram(moments, l2Regularization);
            if (inverse is null)
            {
                reason = "the features are collinear (the Gram matrix is singular), so some coefficients are not identifiable";
            }
            else
            {
                double sigma2 = rss / (moments.Count - p);
                var covariance = inverse;
                if (l2Regularization > 0)
                {
                    var gram = LeastSquaresSolver.RegularisedGram(moments, 0);
                    covariance = inverse * gram * inverse;
                }
                covariance *= sigma2;
                standardErrors = new double[p];
                double biasVariance = sigma2 / moments.WeightSum;
                var means = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(moments.FeatureMeans);
                biasVariance += means.DotProduct(covariance * means);
                standardErrors[0] = Math.Sqrt(biasVariance);
                for (int i = 0; i < d; i++) standardErrors[i + 1] = Math.Sqrt(covariance[i, i]);
            }
        }
        return new LinearRegressionStatistics(moments.Count, moments.WeightSum, rss, moments.LabelSumOfSquares,
            coefficients, standardErrors, reason);
    }

    /// <summary>The statistics of any fitted linear regression <paramref name="model"/> on <paramref name="data"/>, in one pass.</summary>
    internal static LinearRegressionStatistics Compute(object catalog,
        ISingleFeaturePredictionTransformer<LinearRegressionModelParameters> model, IDataView data, string labelColumnName,
        string? exampleWeightColumnName, double l2Regularization)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        OptionChecks.NonNegativeFinite(l2Regularization, nameof(l2Regularization));
        var env = MlNetInternals.GetEnvironment(catalog);
        var reader = TrainingDataReader.Create(data, labelColumnName, model.FeatureColumnName, exampleWeightColumnName, LabelKind.Regression);
        var weights = model.Model.Weights;
        if (weights.Count != reader.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(data),
                $"Schema mismatch for feature column '{model.FeatureColumnName}': the model has {weights.Count} weights, the data {reader.FeatureCount} features.");
        var (moments, _) = ClosedFormLinearRegressionTrainer.Accumulate(env, null, reader, null);
        return Compute(moments, weights.Select(w => (double)w).ToArray(), model.Model.Bias, l2Regularization);
    }
}
