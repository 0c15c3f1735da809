using Microsoft.ML.Trainers;
using MlNetExtensions.Numerics;

namespace MlNetExtensions;

/// <summary>Statistics of linear regression models trained in this process.</summary>
public static class LinearRegressionModelExtensions
{
    private static readonly ModelAttachment<LinearRegressionModelParameters, LinearRegressionStatistics> Statistics = new();

    internal static void Attach(LinearRegressionModelParameters model, LinearRegressionStatistics statistics)
        => Statistics.Attach(model, statistics);

    private static readonly ModelAttachment<LinearRegressionModelParameters, NormalEquationAccumulator> SufficientStatistics = new();

    /// <summary>The statistics attached to <paramref name="model"/>, if any (what SaveWithExtensions saves).</summary>
    internal static LinearRegressionStatistics? FindAttached(LinearRegressionModelParameters model) => Statistics.Find(model);

    /// <summary>Keeps the normal equations' sufficient statistics with the model, for an exact continued fit.</summary>
    internal static void AttachSufficientStatistics(LinearRegressionModelParameters model, NormalEquationAccumulator accumulator)
        => SufficientStatistics.Attach(model, accumulator);

    /// <summary>The sufficient statistics the model was solved from, if it carries them (what SaveWithExtensions saves).</summary>
    internal static NormalEquationAccumulator? FindSufficientStatistics(LinearRegressionModelParameters model) => SufficientStatistics.Find(model);

    /// <summary>
    /// Whether <paramref name="model"/> carries the sufficient statistics of the normal equations it was solved from, so
    /// that <see cref="ClosedFormLinearRegressionTrainer.Fit(Microsoft.ML.IDataView, LinearRegressionModelParameters)"/> can
    /// add new rows to them exactly: true for models fitted by the normal-equations solver in this process or restored by
    /// <c>LoadWithExtensions</c> from a zip written by <c>SaveWithExtensions</c>.
    /// </summary>
    public static bool HasSufficientStatistics(this LinearRegressionModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return SufficientStatistics.Find(model) is not null;
    }

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
