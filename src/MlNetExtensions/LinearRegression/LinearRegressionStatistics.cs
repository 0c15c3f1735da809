using System.Globalization;
using System.Text;
using MathNet.Numerics.Distributions;
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
public sealed class LinearRegressionStatistics
{
    internal LinearRegressionStatistics(long count, int parameterCount, double weightSum, double residualSumOfSquares,
        double totalSumOfSquares, double[] coefficients, double[]? standardErrors, string? unavailableReason)
    {
        Count = count;
        ParameterCount = parameterCount;
        WeightSum = weightSum;
        ResidualSumOfSquares = residualSumOfSquares;
        TotalSumOfSquares = totalSumOfSquares;
        Coefficients = coefficients;
        DegreesOfFreedom = count - parameterCount;
        RSquared = totalSumOfSquares > 0 ? 1 - residualSumOfSquares / totalSumOfSquares : double.NaN;
        AdjustedRSquared = DegreesOfFreedom > 0 && count > 1
            ? 1 - (1 - RSquared) * (count - 1) / DegreesOfFreedom
            : double.NaN;
        ResidualStandardError = DegreesOfFreedom > 0 ? Math.Sqrt(residualSumOfSquares / DegreesOfFreedom) : double.NaN;
        UnavailableReason = unavailableReason;
        if (standardErrors is not null)
        {
            StandardErrors = standardErrors;
            var t = new double[standardErrors.Length];
            var p = new double[standardErrors.Length];
            for (int i = 0; i < t.Length; i++)
            {
                t[i] = coefficients[i] / standardErrors[i];
                p[i] = double.IsFinite(t[i])
                    ? 2 * (1 - StudentT.CDF(0, 1, DegreesOfFreedom, Math.Abs(t[i])))
                    : double.NaN;
            }
            TValues = t;
            PValues = p;
        }
    }

    /// <summary>n: rows with a positive example weight.</summary>
    public long Count { get; }

    /// <summary>p: the number of coefficients, features plus the bias.</summary>
    public int ParameterCount { get; }

    /// <summary>n − p, the residual degrees of freedom.</summary>
    public long DegreesOfFreedom { get; }

    /// <summary>Σw over the rows.</summary>
    public double WeightSum { get; }

    /// <summary>Σw(y − ŷ)².</summary>
    public double ResidualSumOfSquares { get; }

    /// <summary>Σw(y − ȳ)².</summary>
    public double TotalSumOfSquares { get; }

    /// <summary>1 − RSS/TSS; NaN when the label is constant.</summary>
    public double RSquared { get; }

    /// <summary>1 − (1 − R²)(n − 1)/(n − p); NaN when n ≤ p.</summary>
    public double AdjustedRSquared { get; }

    /// <summary>√(RSS/(n − p)), the estimate of the noise standard deviation σ; NaN when n ≤ p.</summary>
    public double ResidualStandardError { get; }

    /// <summary>The coefficients the statistics describe: bias at index 0, then one weight per feature.</summary>
    public IReadOnlyList<double> Coefficients { get; }

    /// <summary>True when standard errors, t and p-values are available (n &gt; p and a non-singular system).</summary>
    public bool HasCoefficientStatistics => StandardErrors is not null;

    /// <summary>Why the coefficient statistics are unavailable (null when they are available).</summary>
    public string? UnavailableReason { get; }

    /// <summary>Standard errors, bias first; null when <see cref="HasCoefficientStatistics"/> is false.</summary>
    public IReadOnlyList<double>? StandardErrors { get; }

    /// <summary>t = coefficient / standard error, bias first; null when unavailable.</summary>
    public IReadOnlyList<double>? TValues { get; }

    /// <summary>Two-sided p-values of H₀: coefficient = 0 (Student t, n − p degrees of freedom), bias first; null when unavailable.</summary>
    public IReadOnlyList<double>? PValues { get; }

    /// <summary>
    /// Computes the statistics of the linear model <paramref name="weights"/>, <paramref name="bias"/> on the data summarised by
    /// <paramref name="moments"/>; the covariance assumes the model is the (ridge) least-squares fit with <paramref name="l2Regularization"/>.
    /// </summary>
    public static LinearRegressionStatistics Compute(LeastSquaresMoments moments, IReadOnlyList<double> weights, double bias,
        double l2Regularization = 0)
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
        if (moments.Count <= p)
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
        return new LinearRegressionStatistics(moments.Count, p, moments.WeightSum, rss, moments.LabelSumOfSquares,
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

    /// <summary>
    /// The coefficient table as text (one line per coefficient: estimate, standard error, t, p), followed by the fit summary.
    /// </summary>
    /// <param name="featureNames">Names for the features (slot names); null gives f0, f1, ….</param>
    public string ToTable(IReadOnlyList<string>? featureNames = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(inv, "{0,-14} {1,12} {2,12} {3,9} {4,10}", "coefficient", "estimate", "std. error", "t", "p"));
        for (int i = 0; i < Coefficients.Count; i++)
        {
            string name = i == 0 ? "(bias)" : featureNames is not null && i - 1 < featureNames.Count ? featureNames[i - 1] : $"f{i - 1}";
            if (StandardErrors is null)
                sb.AppendLine(string.Format(inv, "{0,-14} {1,12:G6} {2,12} {3,9} {4,10}", name, Coefficients[i], "-", "-", "-"));
            else
                sb.AppendLine(string.Format(inv, "{0,-14} {1,12:G6} {2,12:G6} {3,9:F3} {4,10}", name, Coefficients[i],
                    StandardErrors[i], TValues![i], FormatP(PValues![i])));
        }
        sb.AppendLine(string.Format(inv, "n = {0}, p = {1}, R² = {2:F4}, adjusted R² = {3:F4}, residual standard error = {4:G5} on {5} degrees of freedom",
            Count, ParameterCount, RSquared, AdjustedRSquared, ResidualStandardError, DegreesOfFreedom));
        if (UnavailableReason is not null) sb.AppendLine("Coefficient statistics unavailable: " + UnavailableReason + ".");
        return sb.ToString();
    }

    private static string FormatP(double p)
        => p < 1e-16 ? "<1e-16" // below double's resolution of 1 − CDF
            : p < 1e-4 ? p.ToString("0.0E+0", CultureInfo.InvariantCulture) : p.ToString("F4", CultureInfo.InvariantCulture);
}
