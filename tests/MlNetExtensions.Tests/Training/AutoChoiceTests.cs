using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.Tests.LogisticRegression;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Training;

/// <summary>
/// The Auto rules stated in the options' documentation (issue 10): which optimizer or solver a fit takes at which d and
/// memory budget, when coefficient statistics are computed, and the clear exception an explicit choice gets when its d × d
/// matrices do not fit.
/// </summary>
public class AutoChoiceTests
{
    private readonly MLContext _ml = new(seed: 0);

    private IDataView LogisticData(int n, int d, int seed = 1)
    {
        var theta = Enumerable.Range(0, d).Select(j => 0.3 * ((j % 5) - 2) / Math.Sqrt(d)).ToArray();
        return LogisticTestData.View(_ml, LogisticTestData.Logistic(n, theta, 0.2, seed));
    }

    private LogisticRegressionTrainingReport FitLogistic(IDataView data, BceLogisticRegressionTrainer.Options options, out LogisticRegressionStatistics statistics)
    {
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(options).Fit(data).Model.SubModel;
        statistics = model.GetStatistics();
        return model.GetTrainingReport();
    }

    [Theory]
    [InlineData(100, LogisticOptimizer.Newton)]
    [InlineData(101, LogisticOptimizer.Lbfgs)]
    public void Logistic_Auto_TakesNewtonUpToAHundredFeaturesAndLbfgsBeyond(int d, LogisticOptimizer expected)
    {
        var report = FitLogistic(LogisticData(600, d), new BceLogisticRegressionTrainer.Options(), out var statistics);
        Assert.Equal(expected, report.Optimizer);
        Assert.True(report.Converged);
        // Both are below the statistics' default limits (d ≤ 1,000, n·(d + 1)² ≤ 2·10¹⁰): computed either way.
        Assert.NotNull(statistics.StandardErrors);
    }

    [Fact]
    public void Logistic_AutoOverTheMemoryBudget_TakesLbfgsAndReportsTheStatisticsUnavailable()
    {
        // 20 MB holds the rows (600 × 20 floats) but not Newton's Hessians (64 MiB of partials plus the matrices).
        var options = new BceLogisticRegressionTrainer.Options { MemoryBudgetBytes = 20_000_000 };
        var report = FitLogistic(LogisticData(600, 20), options, out var statistics);
        Assert.Equal(LogisticOptimizer.Lbfgs, report.Optimizer);
        Assert.True(report.Converged);
        Assert.Null(statistics.StandardErrors);
        Assert.Contains("memory budget", statistics.UnavailableReason);
        Assert.Contains("MemoryBudgetBytes", statistics.UnavailableReason);
        // Deviance and AIC need no matrix: still there.
        Assert.True(statistics.Deviance > 0 && double.IsFinite(statistics.Aic));
    }

    [Fact]
    public void Logistic_ExplicitNewtonOverTheMemoryBudget_ThrowsNamingTheFeatureCountTheBytesAndTheOptions()
    {
        var options = new BceLogisticRegressionTrainer.Options { Optimizer = LogisticOptimizer.Newton, MemoryBudgetBytes = 20_000_000 };
        var e = Assert.Throws<InvalidOperationException>(() => FitLogistic(LogisticData(600, 20), options, out _));
        Assert.Contains("d = 20", e.Message);
        Assert.Contains("bytes", e.Message);
        Assert.Contains("20,000,000 bytes", e.Message);
        Assert.Contains("Optimizer = Lbfgs", e.Message);
        Assert.Contains("MemoryBudgetBytes", e.Message);
    }

    [Fact]
    public void Logistic_StatisticsAboveAThousandFeatures_AreSkippedByDefaultWithTheReasonAndComputedOnRequest()
    {
        var p = SparseData.Problem.Create(300, 1_001, 0.01, seed: 3, binary: true);
        var data = SparseData.View(_ml, p);
        FitLogistic(data, new BceLogisticRegressionTrainer.Options { L2Regularization = 1e-2 }, out var skipped);
        Assert.Null(skipped.StandardErrors);
        Assert.Contains("d = 1,000", skipped.UnavailableReason);
        Assert.Contains("ComputeStatistics = true", skipped.UnavailableReason);
        FitLogistic(data, new BceLogisticRegressionTrainer.Options { L2Regularization = 1e-2, ComputeStatistics = true }, out var computed);
        Assert.Equal(1_002, computed.StandardErrors!.Count);
        Assert.All(computed.StandardErrors, se => Assert.True(se > 0 && double.IsFinite(se)));
    }

    private sealed class Comment
    {
        [LoadColumn(0)] public bool Sentiment { get; set; }
        [LoadColumn(1)] public string SentimentText { get; set; } = "";
    }

    [Fact]
    public void Logistic_DefaultsOnMlNetsSentimentSample_TakeSparseLbfgsAndMatchMlNetsLbfgs()
    {
        // ML.NET's sentiment sample (FeaturizeText over wikipedia detox, 250 rows): version 0.1's defaults (Newton, statistics
        // on) ran out of memory here factoring an 18,000² Hessian.
        IDataView Load(string file) => _ml.Data.LoadFromTextFile<Comment>(TestData.PathOf(file), hasHeader: true, separatorChar: '\t', allowQuoting: false);
        var train = Load("wikipedia_detox_250.train.tsv");
        var test = Load("wikipedia_detox_250.test.tsv");
        var featurize = _ml.Transforms.Text.FeaturizeText("Features", nameof(Comment.SentimentText)).Fit(train);
        var features = featurize.Transform(train);
        int d = ((VectorDataViewType)features.Schema["Features"].Type).Size;
        Assert.True(d > 5_000, $"FeaturizeText gave {d} slots");

        var ours = _ml.BinaryClassification.Trainers.BceLogisticRegression(labelColumnName: nameof(Comment.Sentiment)).Fit(features);
        var report = ours.Model.SubModel.GetTrainingReport();
        Assert.Equal(LogisticOptimizer.Lbfgs, report.Optimizer);
        Assert.True(report.Converged);
        Assert.Contains("ComputeStatistics = true", ours.Model.SubModel.GetStatistics().UnavailableReason);

        // ML.NET's L-BFGS on the same objective: its L2 is a sum over rows, ours a mean (λ·n).
        long n = features.GetColumn<bool>(nameof(Comment.Sentiment)).LongCount();
        var mlnet = _ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            LabelColumnName = nameof(Comment.Sentiment),
            L1Regularization = 0,
            L2Regularization = (float)(1e-4 * n),
            OptimizationTolerance = 1e-10f,
        }).Fit(features);
        double Auc(ITransformer model) => _ml.BinaryClassification.Evaluate(model.Transform(featurize.Transform(test)), nameof(Comment.Sentiment)).AreaUnderRocCurve;
        Assert.Equal(Auc(mlnet), Auc(ours), 0.01);
    }

    private (IReadOnlyList<float> Weights, LinearRegressionStatistics Statistics) FitLinear(IDataView data, ClosedFormLinearRegressionTrainer.Options options)
    {
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression(options).Fit(data).Model;
        return ([.. model.Weights, model.Bias], model.GetStatistics());
    }

    private IDataView LinearData(int n, int d)
    {
        var theta = Enumerable.Range(0, d).Select(j => (j % 7) - 3.0).ToArray();
        var (x, y) = TestData.Linear(n, theta, 1.5, noise: 0.5, seed: 4);
        return TestData.FromRows(_ml, x, y);
    }

    [Fact]
    public void ClosedForm_AutoOverTheMemoryBudget_SolvesByConjugateGradientsToTheNormalEquationsSolution()
    {
        var data = LinearData(400, 50);
        // The normal equations' (d + 2)² matrices at d = 50 take 8 × 52² doubles = 173,056 bytes; the rows 80,000.
        var (exact, exactStatistics) = FitLinear(data, new ClosedFormLinearRegressionTrainer.Options { L2Regularization = 0.1 });
        var (cg, cgStatistics) = FitLinear(data, new ClosedFormLinearRegressionTrainer.Options { L2Regularization = 0.1, MemoryBudgetBytes = 150_000 });
        Assert.NotNull(exactStatistics.StandardErrors);
        for (int k = 0; k < exact.Count; k++) Assert.Equal(exact[k], cg[k], 1e-4 * (1 + Math.Abs(exact[k])));
        Assert.Null(cgStatistics.StandardErrors);
        Assert.Contains("conjugate-gradient", cgStatistics.UnavailableReason);
        // R² needs no matrix.
        Assert.Equal(exactStatistics.RSquared!.Value, cgStatistics.RSquared!.Value, 1e-6);
    }

    [Fact]
    public void ClosedForm_ExplicitNormalEquationsOverTheMemoryBudget_ThrowsNamingTheFeatureCountTheBytesAndTheOptions()
    {
        var options = new ClosedFormLinearRegressionTrainer.Options { Solver = LinearRegressionSolver.NormalEquations, MemoryBudgetBytes = 150_000 };
        var e = Assert.Throws<InvalidOperationException>(() => FitLinear(LinearData(400, 50), options));
        Assert.Contains("d = 50", e.Message);
        Assert.Contains("173,056 bytes", e.Message);
        Assert.Contains("Solver = ConjugateGradient", e.Message);
        Assert.Contains("MemoryBudgetBytes", e.Message);
    }
}
