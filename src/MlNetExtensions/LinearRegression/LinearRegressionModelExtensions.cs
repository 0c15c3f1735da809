using Microsoft.ML.Trainers;

namespace MlNetExtensions;

/// <summary>Statistics of linear regression models trained in this process.</summary>
public static class LinearRegressionModelExtensions
{
    private static readonly ModelAttachment<LinearRegressionModelParameters, LinearRegressionStatistics> Statistics = new();

    internal static void Attach(LinearRegressionModelParameters model, LinearRegressionStatistics statistics)
        => Statistics.Attach(model, statistics);

    /// <summary>The statistics attached to <paramref name="model"/>, if any (what SaveWithExtensions saves).</summary>
    internal static LinearRegressionStatistics? FindAttached(LinearRegressionModelParameters model) => Statistics.Find(model);

    /// <summary>
    /// The training statistics (standard errors, t, p, R², …) of a model fitted by
    /// <see cref="ClosedFormLinearRegressionTrainer"/>, in this process or saved with
    /// <see cref="ModelFileExtensions.SaveWithExtensions(Microsoft.ML.ModelOperationsCatalog, Microsoft.ML.ITransformer, Microsoft.ML.DataViewSchema, string)"/>
    /// (or <c>SaveWithChecksum</c>) and loaded with <c>LoadWithExtensions</c> (or <c>LoadVerified</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The model carries no statistics: loaded by plain <c>Model.Load</c>, saved
    /// by plain <c>Model.Save</c>, or trained by another trainer; use <see cref="MlNetExtensionsCatalog.ComputeLinearStatistics"/>
    /// to compute them from data.</exception>
    public static LinearRegressionStatistics GetStatistics(this LinearRegressionModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Statistics.Find(model) ?? throw new InvalidOperationException(
            "This model carries no training statistics: it was trained by another trainer or with ComputeStatistics = false, or it was " +
            "saved by plain Model.Save or loaded by plain Model.Load (SaveWithExtensions and LoadWithExtensions keep them). " +
            "Compute them from data with mlContext.Regression.ComputeLinearStatistics(model, data).");
    }
}
