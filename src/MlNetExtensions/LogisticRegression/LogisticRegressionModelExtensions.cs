using System.Runtime.CompilerServices;
using Microsoft.ML.Trainers;

namespace MlNetExtensions;

/// <summary>Statistics and training reports of logistic regression models.</summary>
public static class LogisticRegressionModelExtensions
{
    private sealed record Entry(LogisticRegressionTrainingReport Report, LogisticRegressionStatistics? Statistics);

    private static readonly ConditionalWeakTable<LinearBinaryModelParameters, Entry> Table = new();

    internal static void Attach(LinearBinaryModelParameters model, LogisticRegressionTrainingReport report, LogisticRegressionStatistics? statistics)
        => Table.AddOrUpdate(model, new Entry(report, statistics));

    /// <summary>The report and statistics attached to <paramref name="model"/>, if any (what SaveWithExtensions saves).</summary>
    internal static bool TryGetAttached(LinearBinaryModelParameters model, out LogisticRegressionTrainingReport? report,
        out LogisticRegressionStatistics? statistics)
    {
        bool found = Table.TryGetValue(model, out var entry);
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
        if (Table.TryGetValue(model, out var entry) && entry.Statistics is not null) return entry.Statistics;
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
        if (Table.TryGetValue(model, out var entry)) return entry.Report;
        throw new InvalidOperationException(
            "This model has no training report: only models trained by BceLogisticRegression carry one, in the process that trained them " +
            "or after mlContext.Model.SaveWithExtensions and LoadWithExtensions (plain Model.Save does not keep it).");
    }
}
