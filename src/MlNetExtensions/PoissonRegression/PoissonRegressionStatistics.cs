using MathNet.Numerics;

namespace MlNetExtensions;

/// <summary>
/// The statistics of a Poisson regression fit as R's <c>glm(family = poisson)</c> reports them (see
/// <see cref="GeneralizedLinearModelStatistics"/>): deviance 2·Σw·(y·log(y/μ) − (y − μ)), null deviance of the constant mean
/// Σwy/Σw, AIC = −2·log-likelihood + 2p with the log-likelihood Σw·(y·log μ − μ − log y!), and per coefficient the
/// standard error, z and p.
/// </summary>
public sealed class PoissonRegressionStatistics : GeneralizedLinearModelStatistics
{
    private PoissonRegressionStatistics(long count, double weightSum, double deviance, double nullDeviance, double aic,
        double[] coefficients, double[]? standardErrors, string? unavailableReason)
        : base(count, weightSum, deviance, nullDeviance, aic, coefficients, standardErrors, unavailableReason)
    {
    }

    /// <summary>The statistics as <c>SaveWithExtensions</c> saved them (Persistence/StatisticsSections.cs).</summary>
    internal static PoissonRegressionStatistics Restore(long count, double weightSum, double deviance, double nullDeviance, double aic,
        double[] coefficients, double[]? standardErrors, string? unavailableReason)
        => new(count, weightSum, deviance, nullDeviance, aic, coefficients, standardErrors, unavailableReason);

    internal static PoissonRegressionStatistics Compute(GlmData data, GlmFit fit)
    {
        // Σw·y·log y and Σw·log y! over the labels: the saturated model's part of the deviance and the likelihood's constant.
        double yLogY = 0, logFactorials = 0;
        var labels = data.Set.Labels;
        var weights = data.Set.Weights;
        for (int i = 0; i < labels.Length; i++)
        {
            double y = labels[i], w = weights[i];
            if (w == 0) continue;
            if (y > 0) yLogY += w * y * Math.Log(y);
            logFactorials += w * SpecialFunctions.GammaLn(y + 1);
        }
        // The fit's loss sum is Σw·(μ − y·z); the saturated model's (μ = y) is Σw·y − Σw·y·log y.
        double deviance = Math.Max(0, 2 * (fit.LossSum - (data.LabelWeightSum - yLogY)));
        double nullDeviance = Math.Max(0, 2 * (yLogY - data.LabelWeightSum * Math.Log(data.WeightedLabelMean)));
        double aic = 2 * (fit.LossSum + logFactorials) + 2.0 * fit.Parameters.Length;
        double[]? standardErrors = null;
        string? reason = fit.StatisticsUnavailableReason;
        if (fit.Hessian is not null && reason is null)
            standardErrors = StandardErrorsFromHessian(fit.Hessian, out reason);
        return new PoissonRegressionStatistics(data.PositiveWeightRows, data.WeightSum, deviance, nullDeviance, aic,
            BiasFirst(fit.Parameters), standardErrors, reason);
    }
}
