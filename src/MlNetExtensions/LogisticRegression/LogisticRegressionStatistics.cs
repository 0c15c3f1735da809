using System.Globalization;
using System.Text;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.Trainers;

namespace MlNetExtensions;

/// <summary>
/// What a statistician expects from a logistic regression fit: deviance, null deviance, AIC and, per coefficient, the
/// standard error from the inverse Hessian, the Wald z statistic and its two-sided p-value (standard normal).
/// Coefficient arrays put the bias at index 0 and the feature weights after it, as ML.NET's statistics do.
/// </summary>
/// <remarks>
/// Example weights count as frequency weights (R's <c>glm(weights=)</c>): deviance = 2·Σw·BCE. With L2 (λ &gt; 0) the
/// covariance is the inverse of the penalised Hessian Σw·p(1−p)·x̃x̃ᵀ + λ·Σw·I (bias excluded from the penalty), the usual
/// Bayesian (Laplace) approximation; at λ = 0 it is the textbook inverse Fisher information.
/// </remarks>
public sealed class LogisticRegressionStatistics
{
    internal LogisticRegressionStatistics(long count, int parameterCount, double weightSum, double deviance, double nullDeviance,
        double[] coefficients, double[]? standardErrors, string? unavailableReason)
    {
        Count = count;
        ParameterCount = parameterCount;
        WeightSum = weightSum;
        Deviance = deviance;
        NullDeviance = nullDeviance;
        Aic = deviance + 2.0 * parameterCount;
        Coefficients = coefficients;
        UnavailableReason = standardErrors is null ? unavailableReason ?? "no standard errors were computed" : null;
        if (standardErrors is not null)
        {
            StandardErrors = standardErrors;
            var z = new double[standardErrors.Length];
            var p = new double[standardErrors.Length];
            for (int i = 0; i < z.Length; i++)
            {
                z[i] = coefficients[i] / standardErrors[i];
                p[i] = double.IsFinite(z[i]) ? 2 * Normal.CDF(0, 1, -Math.Abs(z[i])) : double.NaN;
            }
            ZValues = z;
            PValues = p;
        }
    }

    /// <summary>n: rows with a positive example weight.</summary>
    public long Count { get; }

    /// <summary>p: the number of coefficients, features plus the bias.</summary>
    public int ParameterCount { get; }

    /// <summary>Σw over the rows; NaN when rebuilt from a loaded model (ML.NET's statistics do not store it).</summary>
    public double WeightSum { get; }

    /// <summary>Residual deviance 2·Σw·BCE at the fitted coefficients.</summary>
    public double Deviance { get; }

    /// <summary>Deviance of the intercept-only model (constant probability Σwy/Σw).</summary>
    public double NullDeviance { get; }

    /// <summary>Akaike information criterion: deviance + 2p.</summary>
    public double Aic { get; }

    /// <summary>The coefficients the statistics describe: bias at index 0, then one weight per feature.</summary>
    public IReadOnlyList<double> Coefficients { get; }

    /// <summary>True when standard errors, z and p-values are available (a positive definite Hessian).</summary>
    public bool HasCoefficientStatistics => StandardErrors is not null;

    /// <summary>Why the coefficient statistics are unavailable (null when they are available).</summary>
    public string? UnavailableReason { get; }

    /// <summary>Standard errors √diag(H⁻¹), bias first; null when <see cref="HasCoefficientStatistics"/> is false.</summary>
    public IReadOnlyList<double>? StandardErrors { get; }

    /// <summary>Wald statistics z = coefficient / standard error, bias first; null when unavailable.</summary>
    public IReadOnlyList<double>? ZValues { get; }

    /// <summary>Two-sided p-values 2·Φ(−|z|) of H₀: coefficient = 0, bias first; null when unavailable.</summary>
    public IReadOnlyList<double>? PValues { get; }

    /// <summary>The coefficient table as text (estimate, standard error, z, p per coefficient), then the deviances and AIC.</summary>
    /// <param name="featureNames">Names for the features (slot names); null gives f0, f1, ….</param>
    public string ToTable(IReadOnlyList<string>? featureNames = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(inv, "{0,-24} {1,12} {2,12} {3,9} {4,10}", "coefficient", "estimate", "std. error", "z", "p"));
        for (int i = 0; i < Coefficients.Count; i++)
        {
            string name = i == 0 ? "(bias)" : featureNames is not null && i - 1 < featureNames.Count ? featureNames[i - 1] : $"f{i - 1}";
            if (StandardErrors is null)
                sb.AppendLine(string.Format(inv, "{0,-24} {1,12:G6} {2,12} {3,9} {4,10}", name, Coefficients[i], "-", "-", "-"));
            else
                sb.AppendLine(string.Format(inv, "{0,-24} {1,12:G6} {2,12:G6} {3,9:F3} {4,10}", name, Coefficients[i],
                    StandardErrors[i], ZValues![i], FormatP(PValues![i])));
        }
        sb.AppendLine(string.Format(inv, "n = {0}, p = {1}, deviance = {2:G6}, null deviance = {3:G6}, AIC = {4:G6}",
            Count, ParameterCount, Deviance, NullDeviance, Aic));
        if (UnavailableReason is not null) sb.AppendLine("Coefficient statistics unavailable: " + UnavailableReason + ".");
        return sb.ToString();
    }

    /// <summary>
    /// Statistics at the parameters [θ, b] (bias last) from the unnormalised penalised Hessian there (bias last too).
    /// </summary>
    internal static LogisticRegressionStatistics Compute(long count, double weightSum, double positiveWeight, double lossSum,
        double[] parameters, Matrix<double>? hessian, string? unavailableReason)
    {
        int d = parameters.Length - 1;
        var coefficients = new double[d + 1];
        coefficients[0] = parameters[d];
        Array.Copy(parameters, 0, coefficients, 1, d);
        double pBar = positiveWeight / weightSum;
        double nullDeviance = -2 * (positiveWeight * Math.Log(pBar) + (weightSum - positiveWeight) * Math.Log(1 - pBar));

        double[]? standardErrors = null;
        if (hessian is not null && unavailableReason is null)
        {
            var covariance = TryInverse(hessian);
            if (covariance is null)
            {
                unavailableReason = "the Hessian is singular or ill-conditioned (collinear features, or (quasi-)separable data)";
            }
            else
            {
                standardErrors = new double[d + 1];
                standardErrors[0] = Math.Sqrt(covariance[d, d]);
                for (int k = 0; k < d; k++) standardErrors[k + 1] = Math.Sqrt(covariance[k, k]);
                if (!standardErrors.All(double.IsFinite))
                {
                    standardErrors = null;
                    unavailableReason = "the inverse Hessian has a non-finite diagonal";
                }
            }
        }
        return new LogisticRegressionStatistics(count, d + 1, weightSum, 2 * lossSum, nullDeviance, coefficients,
            standardErrors, unavailableReason);
    }

    /// <summary>
    /// The statistics ML.NET itself stores in a calibrated linear model (a model loaded from a zip, or one trained by
    /// ML.NET's <c>LbfgsLogisticRegression</c> with statistics), in single precision; null if it carries none.
    /// </summary>
    internal static LogisticRegressionStatistics? FromModel(LinearBinaryModelParameters model)
    {
        if (model.Statistics is not LinearModelParameterStatistics stats) return null;
        int d = model.Weights.Count;
        var coefficients = new double[d + 1];
        coefficients[0] = model.Bias;
        for (int k = 0; k < d; k++) coefficients[k + 1] = model.Weights[k];
        double[]? standardErrors = null;
        if (stats.ParametersCount == d + 1)
        {
            standardErrors = new double[d + 1];
            standardErrors[0] = stats.GetBiasStatistics().StandardError;
            foreach (var c in stats.GetWeightsCoefficientStatistics(d + 1)) standardErrors[c.Index + 1] = c.StandardError;
        }
        return new LogisticRegressionStatistics(stats.TrainingExampleCount, stats.ParametersCount, double.NaN, stats.Deviance,
            stats.NullDeviance, coefficients, standardErrors,
            standardErrors is null ? "the model's statistics cover only its non-zero weights" : null);
    }

    private static Matrix<double>? TryInverse(Matrix<double> hessian)
    {
        int m = hessian.RowCount;
        // Jacobi scaling first, so that features in very different units do not look ill-conditioned.
        var scale = new double[m];
        for (int i = 0; i < m; i++)
        {
            if (!(hessian[i, i] > 0)) return null;
            scale[i] = Math.Sqrt(hessian[i, i]);
        }
        var scaled = Matrix<double>.Build.Dense(m, m, (i, j) => hessian[i, j] / (scale[i] * scale[j]));
        try
        {
            var cholesky = scaled.Cholesky();
            double minPivot = double.MaxValue, maxPivot = 0;
            for (int i = 0; i < m; i++)
            {
                double pivot = Math.Abs(cholesky.Factor[i, i]);
                minPivot = Math.Min(minPivot, pivot);
                maxPivot = Math.Max(maxPivot, pivot);
            }
            if (!(minPivot / maxPivot * (minPivot / maxPivot) >= 1e-13)) return null;
            var inverse = cholesky.Solve(Matrix<double>.Build.DenseIdentity(m));
            return Matrix<double>.Build.Dense(m, m, (i, j) => inverse[i, j] / (scale[i] * scale[j]));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string FormatP(double p)
        => p < 1e-4 ? p.ToString("0.0E+0", CultureInfo.InvariantCulture) : p.ToString("F4", CultureInfo.InvariantCulture);
}
