using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.Tests.LogisticRegression;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LinearRegression;

/// <summary>
/// Continued training: the closed-form trainer adds new rows to the sufficient statistics a model carries, which must give
/// the fit on all rows at once; the logistic trainer starts from a given model and must reach the cold start's optimum.
/// </summary>
public class ContinuedTrainingTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static (float[][] X, float[] Y) Rows(int n, int seed, double shift = 0)
    {
        var (x, y) = TestData.Linear(n, [1.5, -2, 0.5, 3], 7, 0.3, seed);
        // Uncentred features, so that the two shards' sums are shifted differently and the merge has work to do.
        foreach (var row in x) for (int j = 0; j < row.Length; j++) row[j] += (float)(shift + 10 * j);
        return (x, y);
    }

    private IReadOnlyList<double> Coefficients(RegressionPredictionTransformer<LinearRegressionModelParameters> model)
        => model.Model.GetStatistics().Coefficients;

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public void ClosedForm_ContinuedOnNewRows_EqualsTheFitOnAllRows(double l2)
    {
        var (x1, y1) = Rows(300, seed: 1, shift: 1000);
        var (x2, y2) = Rows(200, seed: 2, shift: -50);
        var trainer = _ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: l2);
        var first = trainer.Fit(TestData.FromRows(_ml, x1, y1));
        Assert.True(first.Model.HasSufficientStatistics());
        var continued = trainer.Fit(TestData.FromRows(_ml, x2, y2), first.Model);
        var all = trainer.Fit(TestData.FromRows(_ml, [.. x1, .. x2], [.. y1, .. y2]));

        var a = Coefficients(all);
        var c = Coefficients(continued);
        // To rounding: measured within 2e-10 relative (the bias, ȳ − θᵀx̄ over features near 1,000, loses the most).
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], c[i], (1 + Math.Abs(a[i])) * 1e-9);
        Assert.Equal(500, continued.Model.GetStatistics().Count);
        Assert.Equal(all.Model.GetStatistics().StandardErrors![2], continued.Model.GetStatistics().StandardErrors![2], 1e-10);
        // The initial model's own statistics are not changed by continuing from it.
        Assert.Equal(300, first.Model.GetStatistics().Count);
    }

    [Fact]
    public void ClosedForm_ContinuedAfterSaveAndLoadWithExtensions_EqualsTheFitOnAllRows()
    {
        var (x1, y1) = Rows(250, seed: 3, shift: 500);
        var (x2, y2) = Rows(150, seed: 4);
        var trainer = _ml.Regression.Trainers.ClosedFormLinearRegression();
        var data1 = TestData.FromRows(_ml, x1, y1);
        using var stream = new MemoryStream();
        _ml.Model.SaveWithExtensions(trainer.Fit(data1), data1.Schema, stream);
        stream.Position = 0;
        var loaded = (RegressionPredictionTransformer<LinearRegressionModelParameters>)_ml.Model.LoadWithExtensions(stream, out _);
        Assert.True(loaded.Model.HasSufficientStatistics());

        var continued = trainer.Fit(TestData.FromRows(_ml, x2, y2), loaded.Model);
        var all = trainer.Fit(TestData.FromRows(_ml, [.. x1, .. x2], [.. y1, .. y2]));
        var a = Coefficients(all);
        var c = Coefficients(continued);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], c[i], (1 + Math.Abs(a[i])) * 1e-9);
    }

    [Fact]
    public void ClosedForm_ContinuedWithSparseRowsFromADenseFit_EqualsTheFitOnAllRows()
    {
        var p = SparseData.Problem.Create(120, 40, 0.1, seed: 5);
        var q = SparseData.Problem.Create(80, 40, 0.1, seed: 6);
        var trainer = _ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options { L2Regularization = 0.1 });
        var dense = _ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options
        {
            L2Regularization = 0.1,
            FeatureLayout = FeatureLayout.Dense,
        }).Fit(SparseData.View(_ml, p));
        var continued = trainer.Fit(SparseData.View(_ml, q), dense.Model);
        var all = trainer.Fit(SparseData.View(_ml, new SparseData.Problem([.. p.X, .. q.X], [.. p.Y, .. q.Y], [.. p.W, .. q.W])));
        var a = Coefficients(all);
        var c = Coefficients(continued);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], c[i], 1e-9 * a.Max(Math.Abs));
    }

    [Fact]
    public void ClosedForm_ContinuedFromAModelWithoutSufficientStatistics_SaysWhy()
    {
        var (x, y) = Rows(50, seed: 7);
        var data = TestData.FromRows(_ml, x, y);
        var cg = _ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options
        {
            Solver = LinearRegressionSolver.ConjugateGradient,
        }).Fit(data);
        Assert.False(cg.Model.HasSufficientStatistics());
        var e = Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data, cg.Model));
        Assert.Contains("no sufficient statistics", e.Message);
        var sdca = _ml.Regression.Trainers.Sdca().Fit(data).Model;
        Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data, sdca));
    }

    [Fact]
    public void ClosedForm_ContinuedOnAnotherFeatureWidth_ThrowsNamingBoth()
    {
        var (x, y) = Rows(50, seed: 8);
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y)).Model;
        var narrow = TestData.FromRows(_ml, x.Select(r => r[..3]).ToArray(), y);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(narrow, model));
        Assert.Equal("initialModel", e.ParamName);
        Assert.Contains("4 weights", e.Message);
        Assert.Contains("3 features", e.Message);
    }

    [Fact]
    public void Logistic_WarmStartAtItsOwnOptimum_StopsAtOnceWithTheSameModel()
    {
        var data = LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised());
        var trainer = _ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            L2Regularization = 0.01,
            GradientTolerance = 1e-6,
        });
        var cold = trainer.Fit(data).Model.SubModel;
        var warm = trainer.Fit(data, cold).Model.SubModel;
        Assert.True(warm.GetTrainingReport().Iterations <= 1, $"{warm.GetTrainingReport().Iterations} iterations");
        for (int k = 0; k < cold.Weights.Count; k++) Assert.Equal(cold.Weights[k], warm.Weights[k], 1e-5);
    }

    [Theory]
    [InlineData(LogisticOptimizer.Newton)]
    [InlineData(LogisticOptimizer.Lbfgs)]
    public void Logistic_WarmStartFromMlNetsModel_ReachesTheColdStartsOptimum(LogisticOptimizer optimizer)
    {
        var (x, y) = LogisticTestData.BreastCancerStandardised();
        var mlnet = _ml.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(LogisticTestData.BooleanView(_ml, x, y)).Model.SubModel;
        var trainer = _ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            L2Regularization = 0.01,
            GradientTolerance = 1e-9,
            Optimizer = optimizer,
        });
        var data = LogisticTestData.View(_ml, (x, y));
        var cold = trainer.Fit(data).Model.SubModel;
        var warm = trainer.Fit(data, mlnet).Model.SubModel;
        Assert.Equal(cold.GetTrainingReport().Objective, warm.GetTrainingReport().Objective, 1e-12);
        for (int k = 0; k < cold.Weights.Count; k++) Assert.Equal(cold.Weights[k], warm.Weights[k], 1e-5);
    }

    [Fact]
    public void Logistic_WarmStartOfAnotherWidth_ThrowsNamingBoth()
    {
        var (x, y) = LogisticTestData.BreastCancerStandardised();
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(LogisticTestData.View(_ml, (x, y))).Model.SubModel;
        var narrow = LogisticTestData.View(_ml, (x.Select(r => r[..10]).ToArray(), y));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(narrow, model));
        Assert.Equal("initialModel", e.ParamName);
        Assert.Contains("30 weights", e.Message);
    }
}
