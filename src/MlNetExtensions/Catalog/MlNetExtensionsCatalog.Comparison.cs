using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions;

public static partial class MlNetExtensionsCatalog
{
    /// <summary>
    /// Fits every candidate on <paramref name="trainData"/> and evaluates it on <paramref name="testData"/> with ML.NET's
    /// regression evaluator: R², RMSE, MAE, fit time, scoring throughput and saved model size. A candidate that throws is
    /// reported as failed; the others still run.
    /// </summary>
    /// <param name="catalog">The regression catalog.</param>
    /// <param name="trainData">Data to fit on.</param>
    /// <param name="testData">Data to evaluate on.</param>
    /// <param name="candidates">Named estimators, e.g. <see cref="TrainerSuggestions.Regression"/>.</param>
    /// <param name="labelColumnName">The label column the evaluator reads.</param>
    /// <param name="progress">Told when each candidate starts fitting, evaluating and is done.</param>
    /// <exception cref="ArgumentException">No candidate, or a candidate without a name or estimator.</exception>
    public static TrainerComparisonReport CompareTrainers(this RegressionCatalog catalog, IDataView trainData, IDataView testData,
        IEnumerable<TrainerCandidate> candidates, string labelColumnName = "Label", IProgress<TrainerComparisonProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return TrainerComparisonRunner.HoldOut("Regression, hold-out", TaskMetrics.Regression.Names, trainData, testData, List(candidates),
            scored => TaskMetrics.Regression.Read(catalog.Evaluate(scored, labelColumnName)), progress);
    }

    /// <summary>As <see cref="CompareTrainers(RegressionCatalog, IDataView, IDataView, IEnumerable{TrainerCandidate}, string, IProgress{TrainerComparisonProgress}?)"/>,
    /// with metrics averaged over <paramref name="numberOfFolds"/> cross-validation folds (ML.NET's <c>CrossValidate</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numberOfFolds"/> is below 2.</exception>
    public static TrainerComparisonReport CompareTrainersCrossValidated(this RegressionCatalog catalog, IDataView data,
        IEnumerable<TrainerCandidate> candidates, int numberOfFolds = 5, string labelColumnName = "Label",
        IProgress<TrainerComparisonProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        CheckFolds(numberOfFolds);
        return TrainerComparisonRunner.CrossValidated($"Regression, {numberOfFolds}-fold cross-validation", TaskMetrics.Regression.Names, data,
            List(candidates), (d, e) => catalog.CrossValidate(d, e, numberOfFolds, labelColumnName), TaskMetrics.Regression.Read, progress);
    }

    /// <summary>
    /// Fits every candidate on <paramref name="trainData"/> and evaluates it on <paramref name="testData"/> with ML.NET's
    /// binary evaluator: accuracy, AUC, F1, log-loss (log-loss only for trainers that output a Probability), fit time,
    /// scoring throughput and saved model size. A candidate that throws is reported as failed; the others still run.
    /// </summary>
    /// <param name="catalog">The binary classification catalog.</param>
    /// <param name="trainData">Data to fit on.</param>
    /// <param name="testData">Data to evaluate on.</param>
    /// <param name="candidates">Named estimators, e.g. <see cref="TrainerSuggestions.BinaryClassification"/>.</param>
    /// <param name="labelColumnName">The label column the evaluator reads (Boolean).</param>
    /// <param name="progress">Told when each candidate starts fitting, evaluating and is done.</param>
    /// <exception cref="ArgumentException">No candidate, or a candidate without a name or estimator.</exception>
    public static TrainerComparisonReport CompareTrainers(this BinaryClassificationCatalog catalog, IDataView trainData, IDataView testData,
        IEnumerable<TrainerCandidate> candidates, string labelColumnName = "Label", IProgress<TrainerComparisonProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return TrainerComparisonRunner.HoldOut("Binary classification, hold-out", TaskMetrics.Binary.Names, trainData, testData, List(candidates),
            scored => TaskMetrics.Binary.Read(scored.Schema.GetColumnOrNull("Probability") is null
                ? catalog.EvaluateNonCalibrated(scored, labelColumnName)
                : catalog.Evaluate(scored, labelColumnName)), progress);
    }

    /// <summary>Binary comparison with metrics averaged over cross-validation folds (calibrated trainers only: the folds use <c>Evaluate</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numberOfFolds"/> is below 2.</exception>
    public static TrainerComparisonReport CompareTrainersCrossValidated(this BinaryClassificationCatalog catalog, IDataView data,
        IEnumerable<TrainerCandidate> candidates, int numberOfFolds = 5, string labelColumnName = "Label",
        IProgress<TrainerComparisonProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        CheckFolds(numberOfFolds);
        return TrainerComparisonRunner.CrossValidated($"Binary classification, {numberOfFolds}-fold cross-validation", TaskMetrics.Binary.Names, data,
            List(candidates), (d, e) => catalog.CrossValidate(d, e, numberOfFolds, labelColumnName), m => TaskMetrics.Binary.Read(m), progress);
    }

    /// <summary>
    /// Fits every candidate on <paramref name="trainData"/> and evaluates it on <paramref name="testData"/> with ML.NET's
    /// multiclass evaluator: micro and macro accuracy, log-loss, fit time, scoring throughput and saved model size.
    /// </summary>
    /// <param name="catalog">The multiclass classification catalog.</param>
    /// <param name="trainData">Data to fit on.</param>
    /// <param name="testData">Data to evaluate on.</param>
    /// <param name="candidates">Named estimators (pipelines that map the label to a key first), e.g. <see cref="TrainerSuggestions.MulticlassClassification"/>.</param>
    /// <param name="labelColumnName">The key label column the evaluator reads.</param>
    /// <param name="progress">Told when each candidate starts fitting, evaluating and is done.</param>
    /// <exception cref="ArgumentException">No candidate, or a candidate without a name or estimator.</exception>
    public static TrainerComparisonReport CompareTrainers(this MulticlassClassificationCatalog catalog, IDataView trainData, IDataView testData,
        IEnumerable<TrainerCandidate> candidates, string labelColumnName = "Label", IProgress<TrainerComparisonProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return TrainerComparisonRunner.HoldOut("Multiclass classification, hold-out", TaskMetrics.Multiclass.Names, trainData, testData, List(candidates),
            scored => TaskMetrics.Multiclass.Read(catalog.Evaluate(scored, labelColumnName)), progress);
    }

    /// <summary>Multiclass comparison with metrics averaged over cross-validation folds.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numberOfFolds"/> is below 2.</exception>
    public static TrainerComparisonReport CompareTrainersCrossValidated(this MulticlassClassificationCatalog catalog, IDataView data,
        IEnumerable<TrainerCandidate> candidates, int numberOfFolds = 5, string labelColumnName = "Label",
        IProgress<TrainerComparisonProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        CheckFolds(numberOfFolds);
        return TrainerComparisonRunner.CrossValidated($"Multiclass classification, {numberOfFolds}-fold cross-validation", TaskMetrics.Multiclass.Names,
            data, List(candidates), (d, e) => catalog.CrossValidate(d, e, numberOfFolds, labelColumnName), TaskMetrics.Multiclass.Read, progress);
    }

    private static List<TrainerCandidate> List(IEnumerable<TrainerCandidate> candidates)
        => (candidates ?? throw new ArgumentNullException(nameof(candidates))).ToList();

    private static void CheckFolds(int numberOfFolds)
    {
        if (numberOfFolds < 2)
            throw new ArgumentOutOfRangeException(nameof(numberOfFolds), numberOfFolds, $"numberOfFolds must be at least 2, but is {numberOfFolds}.");
    }
}
