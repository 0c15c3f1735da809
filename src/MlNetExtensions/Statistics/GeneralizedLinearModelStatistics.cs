using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using MlNetExtensions.Numerics;

namespace MlNetExtensions;

/// <summary>
/// What a generalised linear model's fit reports, as R's <c>glm</c> does: deviance, null deviance, AIC and, per
/// coefficient, the standard error from the inverse Hessian, the Wald z statistic and its two-sided p-value (standard
/// normal). Coefficient arrays put the bias at index 0 and the feature weights after it.
/// </summary>
/// <remarks>
/// Example weights count as frequency weights (R's <c>glm(weights=)</c>). With L2 (λ &gt; 0) the covariance is the inverse
/// of the penalised Hessian Σw·ℓ''·x̃x̃ᵀ + λ·Σw·I (bias excluded from the penalty), the usual Bayesian (Laplace)
/// approximation; at λ = 0 it is the textbook inverse Fisher information.
/// </remarks>
public abstract class GeneralizedLinearModelStatistics : CoefficientStatistics
{
    private protected GeneralizedLinearModelStatistics(long count, double? weightSum, double deviance, double nullDeviance, double aic,
        double[] coefficients, double[]? standardErrors, string? unavailableReason)
        : base(count, coefficients, standardErrors, unavailableReason, degreesOfFreedom: null)
    {
        WeightSum = weightSum;
        Deviance = deviance;
        NullDeviance = nullDeviance;
        Aic = aic;
    }

    /// <summary>Σw over the rows; null when rebuilt from a model that does not store it.</summary>
    public double? WeightSum { get; }

    /// <summary>Residual deviance 2·(log-likelihood of the saturated model − that of the fit).</summary>
    public double Deviance { get; }

    /// <summary>Deviance of the intercept-only model.</summary>
    public double NullDeviance { get; }

    /// <summary>Akaike information criterion: −2·log-likelihood + 2p.</summary>
    public double Aic { get; }

    /// <summary>Weights (bias excluded) that are exactly 0, as an L1 penalty leaves them.</summary>
    public int ZeroWeightCount => Coefficients.Skip(1).Count(c => c == 0);

    /// <summary>Wald statistics z = coefficient / standard error, bias first; null when unavailable.</summary>
    public IReadOnlyList<double>? ZValues => TestStatistics;

    private protected override string TestStatisticName => "z";

    private protected override IEnumerable<string> SummaryLines()
    {
        yield return string.Format(CultureInfo.InvariantCulture, "n = {0}, p = {1}, deviance = {2:G6}, null deviance = {3:G6}, AIC = {4:G6}",
            Count, ParameterCount, Deviance, NullDeviance, Aic) + (ZeroWeightCount > 0 ? $", {ZeroWeightCount} weights exactly 0" : "");
    }

    /// <summary>Coefficients bias first from parameters [θ, b] (bias last).</summary>
    internal static double[] BiasFirst(double[] parameters)
    {
        int d = parameters.Length - 1;
        var coefficients = new double[d + 1];
        coefficients[0] = parameters[d];
        Array.Copy(parameters, 0, coefficients, 1, d);
        return coefficients;
    }

    /// <summary>
    /// √diag(H⁻¹), bias first, from the unnormalised penalised Hessian <paramref name="hessian"/> (bias last), or null with
    /// the reason when H is singular or ill-conditioned.
    /// </summary>
    internal static double[]? StandardErrorsFromHessian(Matrix<double> hessian, out string? reason)
    {
        var factor = ScaledCholesky.TryFactor(hessian, out var why);
        if (factor is null)
        {
            reason = $"the Hessian is singular or ill-conditioned (collinear features, or (quasi-)separable data: {why})";
            return null;
        }
        var covariance = factor.Inverse();
        int d = hessian.RowCount - 1;
        var standardErrors = new double[d + 1];
        standardErrors[0] = Math.Sqrt(covariance[d, d]);
        for (int k = 0; k < d; k++) standardErrors[k + 1] = Math.Sqrt(covariance[k, k]);
        if (!standardErrors.All(double.IsFinite))
        {
            reason = "the inverse Hessian has a non-finite diagonal";
            return null;
        }
        reason = null;
        return standardErrors;
    }
}
