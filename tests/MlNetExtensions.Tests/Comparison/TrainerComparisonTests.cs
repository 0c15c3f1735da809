using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Comparison;

public class TrainerComparisonTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void CompareTrainers_Regression_ReportsEvaluatorMetricsAndKeepsGoingPastAFailure()
    {
        var train = TestData.Load(_ml, "diabetes.train.csv");
        var test = TestData.Load(_ml, "diabetes.test.csv");
        var candidates = TrainerSuggestions.Regression(_ml)
            .Append(new TrainerCandidate("broken", _ml.Regression.Trainers.ClosedFormLinearRegression(featureColumnName: "Nope")));
        var seen = new List<TrainerComparisonProgress>();
        var report = _ml.Regression.CompareTrainers(train, test, candidates, progress: new SynchronousProgress<TrainerComparisonProgress>(seen.Add));

        Assert.Equal(5, report.Results.Count);
        var ours = report.Results[0];
        var expected = _ml.Regression.Evaluate(_ml.Regression.Trainers.ClosedFormLinearRegression().Fit(train).Transform(test));
        Assert.Equal(expected.RSquared, ours.Metrics["R²"], 9);
        Assert.Equal(expected.MeanAbsoluteError, ours.Metrics["MAE"], 9);
        Assert.True(ours.ModelSizeBytes > 0);
        Assert.True(ours.ScoringRowsPerSecond > 0);
        var broken = report.Results[^1];
        Assert.Contains("'Nope'", broken.Error);
        Assert.Contains(seen, p => p.Name == "broken" && p.Stage == "failed");
        Assert.Equal(5, seen.Count(p => p.Stage is "done" or "failed"));
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
        var report = _ml.BinaryClassification.CompareTrainers(train, test, TrainerSuggestions.BinaryClassification(_ml));

        Assert.All(report.Results, r => Assert.Null(r.Error));
        Assert.All(report.Results, r => Assert.InRange(r.Metrics["AUC"], 0.9, 1.0));
        Assert.True(report.Results.Single(r => r.Name == "LbfgsLogisticRegression").Metrics.ContainsKey("LogLoss"));
        Assert.False(report.Results.Single(r => r.Name == "LinearSvm").Metrics.ContainsKey("LogLoss"));
    }

    [Fact]
    public void CompareTrainersCrossValidated_Multiclass_AveragesFolds()
    {
        var data = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(TestData.Load(_ml, "iris.csv")).Transform(TestData.Load(_ml, "iris.csv"));
        var report = _ml.MulticlassClassification.CompareTrainersCrossValidated(data, TrainerSuggestions.MulticlassClassification(_ml), numberOfFolds: 3);
        Assert.Equal(3, report.Results.Count);
        Assert.All(report.Results, r => Assert.InRange(r.Metrics["MicroAccuracy"], 0.8, 1.0));
        Assert.Contains("3-fold", report.Title);
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
