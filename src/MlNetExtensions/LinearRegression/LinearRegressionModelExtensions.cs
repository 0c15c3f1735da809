using Microsoft.ML.Trainers;

namespace MlNetExtensions;

/// <summary>Statistics of linear regression models trained in this process.</summary>
public static class LinearRegressionModelExtensions
{
    private static readonly ModelAttachment<LinearRegressionModelParameters, LinearRegressionStatistics> Statistics = new();

    internal static void Attach(LinearRegressionModelParameters model, LinearRegressionStatistics statistics)
        => Statistics.Attach(model, statistics);

    /// <summary>
    /// The training statistics (standard errors, t, p, R², …) of a model fitted by
    /// <see cref="ClosedFormLinearRegressionTrainer"/> in this process.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was loaded from a file or trained by another trainer; use
    /// <see cref="MlNetExtensionsCatalog.ComputeLinearStatistics"/> to compute them from data.</exception>
    public static LinearRegressionStatistics GetStatistics(this LinearRegressionModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Statistics.Find(model) ?? throw new InvalidOperationException(
            "This model carries no training statistics: it was loaded from a file, trained by another trainer, or trained with " +
            "ComputeStatistics = false. Compute them from data with mlContext.Regression.ComputeLinearStatistics(model, data).");
    }
}
