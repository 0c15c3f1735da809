using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML.Trainers;

namespace MlNetExtensions;

/// <summary>
/// The statistics of a logistic regression fit (see <see cref="GeneralizedLinearModelStatistics"/>): deviance = 2·Σw·BCE,
/// null deviance of the constant probability Σwy/Σw, AIC = deviance + 2p, and per coefficient the standard error, z and p.
/// </summary>
public sealed class LogisticRegressionStatistics : GeneralizedLinearModelStatistics
{
    // effectiveParameters: the p of the AIC (all coefficients, or the non-zero ones of an L1 fit).
    private LogisticRegressionStatistics(long count, double? weightSum, double deviance, double nullDeviance, int effectiveParameters,
        double[] coefficients, double[]? standardErrors, string? unavailableReason)
        : base(count, weightSum, deviance, nullDeviance, deviance + 2.0 * effectiveParameters, coefficients, standardErrors, unavailableReason)
    {
    }

    /// <summary>The statistics as <c>SaveWithExtensions</c> saved them (Persistence/StatisticsSections.cs).</summary>
    internal static LogisticRegressionStatistics Restore(long count, double? weightSum, double deviance, double nullDeviance,
        double[] coefficients, double[]? standardErrors, string? unavailableReason)
        => new(count, weightSum, deviance, nullDeviance, EffectiveParameters(coefficients), coefficients, standardErrors, unavailableReason);

    /// <summary>The AIC's p: the bias and the weights that are not exactly 0 (an L1 fit holds some there; an L2 fit none).</summary>
    private static int EffectiveParameters(double[] biasFirst) => 1 + biasFirst.Skip(1).Count(v => v != 0);

    /// <summary>
    /// Statistics at the parameters [θ, b] (bias last) from the unnormalised penalised Hessian there (bias last too; null
    /// when <paramref name="unavailableReason"/> says why there is none).
    /// </summary>
    internal static LogisticRegressionStatistics Compute(long count, double weightSum, double positiveWeight, double lossSum,
        double[] parameters, Matrix<double>? hessian, string? unavailableReason)
    {
        double pBar = positiveWeight / weightSum;
        double nullDeviance = -2 * (positiveWeight * Math.Log(pBar) + (weightSum - positiveWeight) * Math.Log(1 - pBar));
        double[]? standardErrors = null;
        if (hessian is not null && unavailableReason is null)
            standardErrors = StandardErrorsFromHessian(hessian, out unavailableReason);
        var coefficients = BiasFirst(parameters);
        return new LogisticRegressionStatistics(count, weightSum, 2 * lossSum, nullDeviance, EffectiveParameters(coefficients), coefficients,
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
        return new LogisticRegressionStatistics(stats.TrainingExampleCount, null, stats.Deviance, stats.NullDeviance, stats.ParametersCount, coefficients,
            standardErrors, standardErrors is null ? "the model's statistics cover only its non-zero weights" : null);
    }
}
