using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Comparison;

/// <summary>
/// The comparison harness, on cheap candidates (closed-form and Newton fits, ML.NET's online trainers): what it measures
/// is the harness, not the trainers, so no candidate needs seconds of SDCA.
/// </summary>
public class TrainerComparisonTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void CompareTrainers_Regression_ReportsEvaluatorMetricsAndKeepsGoingPastAFailure()
    {
        var train = TestData.Load(_ml, "diabetes.train.csv");
        var test = TestData.Load(_ml, "diabetes.test.csv");
        TrainerCandidate[] candidates =
        [
            new("ClosedFormLinearRegression", _ml.Regression.Trainers.ClosedFormLinearRegression()),
            new("OnlineGradientDescent", _ml.Transforms.NormalizeMeanVariance("Features").Append(_ml.Regression.Trainers.OnlineGradientDescent())),
            new("broken", _ml.Regression.Trainers.ClosedFormLinearRegression(featureColumnName: "Nope")),
        ];
        var seen = new List<TrainerComparisonProgress>();
        var report = _ml.Regression.CompareTrainers(train, test, candidates, progress: new SynchronousProgress<TrainerComparisonProgress>(seen.Add));

        Assert.Equal(3, report.Results.Count);
        Assert.Equal(["R²", "RMSE", "MAE"], report.MetricNames);
        var ours = report.Results[0];
        var expected = _ml.Regression.Evaluate(_ml.Regression.Trainers.ClosedFormLinearRegression().Fit(train).Transform(test));
        Assert.Equal(expected.RSquared, ours.Metrics["R²"], 9);
        Assert.Equal(expected.RootMeanSquaredError, ours.Metrics["RMSE"], 9);
        Assert.Equal(expected.MeanAbsoluteError, ours.Metrics["MAE"], 9);
        Assert.True(ours.ModelSizeBytes > 0);
        Assert.True(ours.ScoringRowsPerSecond > 0);
        var broken = report.Results[^1];
        Assert.Contains("'Nope'", broken.Error);
        Assert.Null(broken.ModelSizeBytes);
        Assert.Null(broken.ScoringRowsPerSecond);
        Assert.Contains(seen, p => p.Name == "broken" && p.Stage == TrainerComparisonStage.Failed);
        Assert.Equal(3, seen.Count(p => p.Stage is TrainerComparisonStage.Done or TrainerComparisonStage.Failed));
        Assert.Equal([TrainerComparisonStage.Fitting, TrainerComparisonStage.Evaluating, TrainerComparisonStage.Done],
            seen.Where(p => p.Index == 0).Select(p => p.Stage));
        var markdown = report.ToMarkdown();
        Assert.Contains("| ClosedFormLinearRegression", markdown);
        Assert.Contains("failed:", markdown);
    }

    [Fact]
    public void CompareTrainers_Binary_UsesNonCalibratedEvaluatorWhenThereIsNoProbability()
    {
        int d = TestData.FeatureCount("breast_cancer.csv");
        TextLoader.Column[] columns = [new("Features", DataKind.Single, 0, d - 1), new("Label", DataKind.Boolean, d)];
        var train = _ml.Data.LoadFromTextFile(TestData.PathOf("breast_cancer.train.csv"), columns, separatorChar: ',', hasHeader: true);
        var test = _ml.Data.LoadFromTextFile(TestData.PathOf("breast_cancer.test.csv"), columns, separatorChar: ',', hasHeader: true);
        var normalize = _ml.Transforms.NormalizeMeanVariance("Features");
        TrainerCandidate[] candidates =
        [
            new("BceLogisticRegression", _ml.BinaryClassification.Trainers.BceLogisticRegression()),
            new("AveragedPerceptron", normalize.Append(_ml.BinaryClassification.Trainers.AveragedPerceptron())),
        ];
        var report = _ml.BinaryClassification.CompareTrainers(train, test, candidates);

        Assert.All(report.Results, r => Assert.Null(r.Error));
        Assert.All(report.Results, r => Assert.InRange(r.Metrics["AUC"], 0.9, 1.0));
        var calibrated = _ml.BinaryClassification.Evaluate(_ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(train).Transform(test));
        Assert.Equal(calibrated.LogLoss, report.Results[0].Metrics["LogLoss"], 9);
        Assert.False(report.Results[1].Metrics.ContainsKey("LogLoss"));
    }

    [Fact]
    public void CompareTrainersCrossValidated_Multiclass_AveragesFolds()
    {
        var data = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(TestData.Load(_ml, "iris.csv")).Transform(TestData.Load(_ml, "iris.csv"));
        TrainerCandidate[] candidates =
        [
            new("OneVersusAll (Bce)", _ml.MulticlassClassification.Trainers.OneVersusAll(_ml.BinaryClassification.Trainers.BceLogisticRegression())),
            new("Mlp []", _ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [], numberOfEpochs: 30, seed: 1)),
        ];
        var report = _ml.MulticlassClassification.CompareTrainersCrossValidated(data, candidates, numberOfFolds: 3);
        Assert.Equal(2, report.Results.Count);
        var folds = _ml.MulticlassClassification.CrossValidate(data, candidates[0].Estimator, numberOfFolds: 3);
        Assert.Equal(folds.Average(f => f.Metrics.MicroAccuracy), report.Results[0].Metrics["MicroAccuracy"], 9);
        Assert.All(report.Results, r => Assert.Null(r.ModelSizeBytes));
        Assert.Contains("3-fold", report.Title);
    }

    [Fact]
    public void TrainerSuggestions_ListThisLibrarysTrainersBesideTheBuiltIns()
    {
        Assert.Equal(["ClosedFormLinearRegression", "Mlp", "PoissonRegression", "Sdca", "OnlineGradientDescent", "LbfgsPoissonRegression"],
            TrainerSuggestions.Regression(_ml).Select(c => c.Name));
        Assert.Equal(["BceLogisticRegression", "Mlp", "LbfgsLogisticRegression", "SdcaLogisticRegression", "AveragedPerceptron", "LinearSvm"],
            TrainerSuggestions.BinaryClassification(_ml).Select(c => c.Name));
        Assert.Equal(["Mlp", "OneVersusAll (BceLogisticRegression)", "LbfgsMaximumEntropy", "SdcaMaximumEntropy", "OneVersusAll (LbfgsLogisticRegression)"],
            TrainerSuggestions.MulticlassClassification(_ml).Select(c => c.Name));
        // Every suggestion is an estimator whose output schema ML.NET accepts for the task's data.
        var regression = TestData.Load(_ml, "diabetes.csv");
        foreach (var c in TrainerSuggestions.Regression(_ml))
            Assert.Contains(c.Estimator.GetOutputSchema(TestData.ShapeOf(regression)), col => col.Name == "Score");
    }

    [Fact]
    public void CompareTrainers_NoCandidates_Throws()
        => Assert.Throws<ArgumentException>(() => _ml.Regression.CompareTrainers(TestData.Load(_ml, "diabetes.csv"), TestData.Load(_ml, "diabetes.csv"), []));

    [Fact]
    public void CompareTrainersCrossValidated_OneFold_NamesTheArgument()
        => Assert.Contains("numberOfFolds", Assert.Throws<ArgumentOutOfRangeException>(() =>
            _ml.Regression.CompareTrainersCrossValidated(TestData.Load(_ml, "diabetes.csv"), TrainerSuggestions.Regression(_ml), numberOfFolds: 1)).Message);

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
