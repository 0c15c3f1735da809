using Microsoft.ML.Trainers;

namespace MlNetExtensions;

/// <summary>Statistics and training reports of logistic regression models.</summary>
public static class LogisticRegressionModelExtensions
{
    private sealed record Entry(LogisticRegressionTrainingReport Report, LogisticRegressionStatistics? Statistics);

    private static readonly ModelAttachment<LinearBinaryModelParameters, Entry> Entries = new();

    internal static void Attach(LinearBinaryModelParameters model, LogisticRegressionTrainingReport report, LogisticRegressionStatistics? statistics)
        => Entries.Attach(model, new Entry(report, statistics));

    /// <summary>The report and statistics attached to <paramref name="model"/>, if any (what SaveWithExtensions saves).</summary>
    internal static bool TryGetAttached(LinearBinaryModelParameters model, out LogisticRegressionTrainingReport? report,
        out LogisticRegressionStatistics? statistics)
    {
        var entry = Entries.Find(model);
        bool found = entry is not null;
        report = entry?.Report;
        statistics = entry?.Statistics;
        return found;
    }

    /// <summary>
    /// Deviance, null deviance, AIC, standard errors, z and p-values of a logistic model (<c>model.Model.SubModel</c>).
    /// For a model trained by <see cref="BceLogisticRegressionTrainer"/> in this process or saved with <c>SaveWithExtensions</c>
    /// and loaded with <c>LoadWithExtensions</c>, in double precision; otherwise
    /// (a model loaded from a zip, or ML.NET's <c>LbfgsLogisticRegression</c> with statistics) from the
    /// <see cref="LinearModelParameterStatistics"/> the model carries, in single precision.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model carries no statistics (trained with ComputeStatistics = false,
    /// or by a trainer that does not compute them).</exception>
    public static LogisticRegressionStatistics GetStatistics(this LinearBinaryModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Entries.Find(model)?.Statistics is { } statistics) return statistics;
        return LogisticRegressionStatistics.FromModel(model) ?? throw new InvalidOperationException(
            "This model carries no statistics: it was trained with ComputeStatistics = false, or by a trainer that does not compute them " +
            "(for ML.NET's LbfgsLogisticRegression, set ShowTrainingStatistics = true).");
    }

    /// <summary>
    /// The optimizer's report (iterations, convergence, objective per iteration) of a model trained by
    /// <see cref="BceLogisticRegressionTrainer"/>, in this process or saved with <c>SaveWithExtensions</c> and loaded with
    /// <c>LoadWithExtensions</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model was trained by another trainer, or saved by plain <c>Model.Save</c>
    /// or loaded by plain <c>Model.Load</c>.</exception>
    public static LogisticRegressionTrainingReport GetTrainingReport(this LinearBinaryModelParameters model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Entries.Find(model) is { } entry) return entry.Report;
        throw new InvalidOperationException(
            "This model has no training report: only models trained by BceLogisticRegression carry one, in the process that trained them " +
            "or after mlContext.Model.SaveWithExtensions and LoadWithExtensions (plain Model.Save does not keep it).");
    }
}
