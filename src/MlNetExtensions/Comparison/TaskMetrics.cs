using Microsoft.ML.Data;

namespace MlNetExtensions;

/// <summary>The metrics a comparison reports for one task, named once: the column names and how to read them off ML.NET's metrics.</summary>
internal sealed class TaskMetrics<TMetrics>(string[] names, Func<TMetrics, double?[]> values)
{
    public IReadOnlyList<string> Names { get; } = names;

    /// <summary>The metrics by name; a metric the evaluator did not produce (null) is left out.</summary>
    public IReadOnlyDictionary<string, double> Read(TMetrics metrics)
    {
        var read = values(metrics);
        var result = new Dictionary<string, double>();
        for (int i = 0; i < Names.Count; i++)
            if (read[i] is { } value) result[Names[i]] = value;
        return result;
    }
}

/// <summary>The metric sets of the three tasks.</summary>
internal static class TaskMetrics
{
    public static readonly TaskMetrics<RegressionMetrics> Regression = new(["R²", "RMSE", "MAE"],
        m => [m.RSquared, m.RootMeanSquaredError, m.MeanAbsoluteError]);

    /// <summary>Log-loss only for trainers with a Probability column (ML.NET's calibrated metrics).</summary>
    public static readonly TaskMetrics<BinaryClassificationMetrics> Binary = new(["Accuracy", "AUC", "F1", "LogLoss"],
        m => [m.Accuracy, m.AreaUnderRocCurve, m.F1Score, (m as CalibratedBinaryClassificationMetrics)?.LogLoss]);

    public static readonly TaskMetrics<MulticlassClassificationMetrics> Multiclass = new(["MicroAccuracy", "MacroAccuracy", "LogLoss"],
        m => [m.MicroAccuracy, m.MacroAccuracy, m.LogLoss]);
}
