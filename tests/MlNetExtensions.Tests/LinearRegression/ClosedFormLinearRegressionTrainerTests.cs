using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LinearRegression;

public class ClosedFormLinearRegressionTrainerTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void Fit_NoiseFreeData_RecoversCoefficientsExactly()
    {
        double[] theta = [2.5, -1.25, 0.5, 3.0];
        var (x, y) = TestData.Linear(500, theta, bias: 7.0, noise: 0, seed: 3);
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y));

        for (int j = 0; j < theta.Length; j++) Assert.Equal(theta[j], model.Model.Weights[j], 4);
        Assert.Equal(7.0, model.Model.Bias, 4);
        Assert.Equal(1.0, model.Model.GetStatistics().RSquared!.Value, 6);
    }

    [Theory]
    [InlineData("diabetes.csv")]
    [InlineData("diabetes.train.csv")]
    [InlineData("breast_cancer.csv")]
    [InlineData("iris.csv")]
    public void Fit_ShippedData_EqualsIndependentQrSolve(string file)
    {
        var (x, y) = TestData.ReadMatrix(file);
        int n = x.GetLength(0), d = x.GetLength(1);
        var design = Matrix<double>.Build.Dense(n, d + 1, (i, j) => j == 0 ? 1 : x[i, j - 1]);
        var expected = design.QR().Solve(Vector<double>.Build.DenseOfArray(y));

        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.Load(_ml, file));
        // The model stores float weights, so each coefficient can be off by half a float ulp (6e-8 relative); measured
        // worst case on these files: 5.1e-8.
        Assert.Equal(expected[0], model.Model.Bias, Math.Abs(expected[0]) * 1e-7);
        for (int j = 0; j < d; j++) Assert.Equal(expected[j + 1], model.Model.Weights[j], Math.Abs(expected[j + 1]) * 1e-7);
    }

    [Fact]
    public void Fit_DiabetesTrainSplit_GivesPublishedTestRSquared()
    {
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.Load(_ml, "diabetes.train.csv"));
        var metrics = _ml.Regression.Evaluate(model.Transform(TestData.Load(_ml, "diabetes.test.csv")));
        // shared/data/README.md: OLS on the train split gives test R² ≈ 0.332.
        Assert.Equal(0.332, metrics.RSquared, 3);
    }

    [Fact]
    public void Fit_SimpleRegressionTextbookCase_StatisticsMatchHandComputation()
    {
        // y on x for x = 1..5, y = 1,3,2,5,4: slope Sxy/Sxx = 8/10, intercept 3 − 0.8·3 = 0.6, RSS = 3.6, σ² = 1.2,
        // SE(slope) = √(1.2/10), SE(intercept) = √(1.2·(1/5 + 9/10)), t(slope) = 2.3094, p = 0.10408 (t, 3 df).
        float[][] x = [[1], [2], [3], [4], [5]];
        float[] y = [1, 3, 2, 5, 4];
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y));
        var stats = model.Model.GetStatistics();

        Assert.Equal(0.8, model.Model.Weights[0], 6);
        Assert.Equal(0.6, model.Model.Bias, 5);
        Assert.Equal(3.6, stats.ResidualSumOfSquares, 9);
        Assert.Equal(0.64, stats.RSquared!.Value, 9);
        Assert.Equal(1 - 0.36 * 4 / 3, stats.AdjustedRSquared!.Value, 9);
        Assert.Equal(Math.Sqrt(1.2), stats.ResidualStandardError!.Value, 9);
        Assert.Equal(Math.Sqrt(1.2 * (0.2 + 0.9)), stats.StandardErrors![0], 9);
        Assert.Equal(Math.Sqrt(0.12), stats.StandardErrors[1], 9);
        Assert.Equal(0.8 / Math.Sqrt(0.12), stats.TValues![1], 9);
        Assert.Equal(0.10408, stats.PValues![1], 4);
        Assert.Equal(3, stats.DegreesOfFreedom);
    }

    [Fact]
    public void Fit_IncreasingRidge_ShrinksWeightNormMonotonically()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        double previous = double.MaxValue;
        foreach (var lambda in new[] { 0.0, 0.01, 0.1, 1, 10, 100 })
        {
            var model = _ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: lambda).Fit(data);
            double norm = Math.Sqrt(model.Model.Weights.Sum(w => (double)w * w));
            Assert.True(norm < previous, $"‖θ‖ = {norm} at λ = {lambda} is not below {previous}");
            previous = norm;
        }
    }

    [Fact]
    public void Fit_Ridge_EqualsClosedFormWithUnpenalisedBias()
    {
        var (x, y) = TestData.ReadMatrix("diabetes.csv");
        int n = x.GetLength(0), d = x.GetLength(1);
        const double lambda = 0.5;
        // Independent: centre X and y, solve (XcᵀXc + λI)θ = Xcᵀyc, b = ȳ − x̄ᵀθ.
        var xm = Matrix<double>.Build.DenseOfArray(x);
        var means = xm.ColumnSums() / n;
        var xc = Matrix<double>.Build.Dense(n, d, (i, j) => x[i, j] - means[j]);
        var yv = Vector<double>.Build.DenseOfArray(y);
        double ybar = yv.Average();
        var theta = (xc.TransposeThisAndMultiply(xc) + lambda * Matrix<double>.Build.DenseIdentity(d))
            .Solve(xc.TransposeThisAndMultiply(yv - ybar));
        double bias = ybar - means.DotProduct(theta);

        var model = _ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: lambda).Fit(TestData.Load(_ml, "diabetes.csv"));
        Assert.Equal(bias, model.Model.Bias, 3);
        for (int j = 0; j < d; j++) Assert.Equal(theta[j], model.Model.Weights[j], Math.Abs(theta[j]) * 1e-5 + 1e-3);
    }

    [Fact]
    public void Fit_IntegerWeights_EqualRepeatingRows()
    {
        var (x, y) = TestData.Linear(60, [1.0, -2.0, 0.5], 1.0, noise: 0.3, seed: 5);
        var weights = Enumerable.Range(0, x.Length).Select(i => (float)(i % 3)).ToArray();
        var repeatedX = x.SelectMany((row, i) => Enumerable.Repeat(row, (int)weights[i])).ToArray();
        var repeatedY = y.SelectMany((v, i) => Enumerable.Repeat(v, (int)weights[i])).ToArray();

        var weighted = _ml.Regression.Trainers.ClosedFormLinearRegression(exampleWeightColumnName: "Weight")
            .Fit(TestData.FromRows(_ml, x, y, weights));
        var repeated = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, repeatedX, repeatedY));

        Assert.Equal(repeated.Model.Bias, weighted.Model.Bias, 5);
        for (int j = 0; j < 3; j++) Assert.Equal(repeated.Model.Weights[j], weighted.Model.Weights[j], 5);
    }

    [Fact]
    public void Fit_DuplicateColumn_ReturnsMinimumNormSplitAndLogsIt()
    {
        var (x, y) = TestData.Linear(200, [1.0, 3.0], 2.0, noise: 0.1, seed: 7);
        var duplicated = x.Select(r => new[] { r[0], r[1], r[1] }).ToArray();
        var messages = new List<string>();
        _ml.Log += (_, e) => messages.Add(e.Message);

        var plain = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y));
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, duplicated, y));

        // The minimum-norm solution splits the coefficient of a duplicated column equally.
        Assert.Equal(plain.Model.Weights[1] / 2, model.Model.Weights[1], 4);
        Assert.Equal(plain.Model.Weights[1] / 2, model.Model.Weights[2], 4);
        Assert.Equal(plain.Model.Weights[0], model.Model.Weights[0], 4);
        Assert.Equal(plain.Model.Bias, model.Model.Bias, 4);
        Assert.Contains(messages, m => m.Contains("minimum-norm"));
        Assert.False(model.Model.GetStatistics().HasCoefficientStatistics);
    }

    [Fact]
    public void Fit_FewerRowsThanFeatures_EqualsPseudoInverseOfCentredData()
    {
        var rng = new Random(11);
        int n = 6, d = 10;
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (float)TestData.Gaussian(rng)).ToArray()).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (float)TestData.Gaussian(rng)).ToArray();
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y));

        var xm = Matrix<double>.Build.Dense(n, d, (i, j) => x[i][j]);
        var means = xm.ColumnSums() / n;
        var xc = Matrix<double>.Build.Dense(n, d, (i, j) => x[i][j] - means[j]);
        var yv = Vector<double>.Build.Dense(n, i => y[i]);
        var theta = xc.PseudoInverse() * (yv - yv.Average());
        for (int j = 0; j < d; j++) Assert.Equal(theta[j], model.Model.Weights[j], 4);
        // It interpolates the training data.
        var scores = model.Transform(TestData.FromRows(_ml, x, y)).GetColumn<float>("Score").ToArray();
        for (int i = 0; i < n; i++) Assert.Equal(y[i], scores[i], 3);
        var stats = model.Model.GetStatistics();
        Assert.False(stats.HasCoefficientStatistics);
        Assert.Contains("more rows than coefficients", stats.UnavailableReason);
    }

    [Fact]
    public void Fit_UncentredLargeOffsets_KeepsPrecision()
    {
        // Features around 1e4 with unit spread: uncentred float sums would lose the slope's digits.
        var (x, y) = TestData.Linear(2000, [0.75, -0.5], 1e5, noise: 0, seed: 9);
        var shifted = x.Select(r => new[] { r[0] + 10_000f, r[1] - 20_000f }).ToArray();
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, shifted, y));
        Assert.Equal(0.75, model.Model.Weights[0], 2);
        Assert.Equal(-0.5, model.Model.Weights[1], 2);
    }

    [Fact]
    public void Fit_RowsWithNaN_AreSkippedAndCounted()
    {
        var (x, y) = TestData.Linear(100, [1.0, 2.0], 0.5, noise: 0, seed: 2);
        x[3][1] = float.NaN;
        y[10] = float.NaN;
        var messages = new List<string>();
        _ml.Log += (_, e) => messages.Add(e.Message);
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y));
        Assert.Equal(98, model.Model.GetStatistics().Count);
        Assert.Equal(2.0, model.Model.Weights[1], 4);
        Assert.Contains(messages, m => m.Contains("Skipped 2 of 100 rows"));
    }

    [Fact]
    public void Fit_LargeDataOnSeveralThreads_EqualsSingleThread()
    {
        var (x, y) = TestData.Linear(150_000, [1.0, -1.0, 0.25, 4.0, 0.0], 3.0, noise: 1.0, seed: 13);
        var data = TestData.FromRows(_ml, x, y);
        var single = _ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options { NumberOfThreads = 1 }).Fit(data);
        var parallel = _ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options { NumberOfThreads = 3 }).Fit(data);
        // The default measures one thread against the workers on the first rows and keeps the faster: same answer.
        var adaptive = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        foreach (var other in new[] { parallel, adaptive })
        {
            for (int j = 0; j < 5; j++) Assert.Equal(single.Model.Weights[j], other.Model.Weights[j], 5);
            Assert.Equal(single.Model.GetStatistics().RSquared!.Value, other.Model.GetStatistics().RSquared!.Value, 10);
            Assert.Equal(150_000, other.Model.GetStatistics().Count);
        }
    }

    [Fact]
    public void ComputeLinearStatistics_OnOwnModel_EqualsTrainingStatistics()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data);
        var recomputed = _ml.Regression.ComputeLinearStatistics(model, data);
        var trained = model.Model.GetStatistics();
        Assert.Equal(trained.RSquared!.Value, recomputed.RSquared!.Value, 5);
        for (int i = 0; i < trained.StandardErrors!.Count; i++)
            Assert.Equal(trained.StandardErrors[i], recomputed.StandardErrors![i], trained.StandardErrors[i] * 1e-4);
    }

    [Fact]
    public void ComputeLinearStatistics_OnSdcaModel_ReportsItsRSquared()
    {
        var raw = TestData.Load(_ml, "diabetes.csv");
        var model = _ml.Transforms.NormalizeMeanVariance("Features").Append(_ml.Regression.Trainers.Sdca()).Fit(raw);
        var data = model.Transform(raw);
        var stats = _ml.Regression.ComputeLinearStatistics(model.LastTransformer, data);
        var metrics = _ml.Regression.Evaluate(data);
        Assert.Equal(metrics.RSquared, stats.RSquared!.Value, 4);
        Assert.True(stats.HasCoefficientStatistics);
    }

    [Fact]
    public void GetStatistics_ModelFromAnotherTrainer_ThrowsWithGuidance()
    {
        var sdca = _ml.Transforms.NormalizeMeanVariance("Features").Append(_ml.Regression.Trainers.Sdca())
            .Fit(TestData.Load(_ml, "diabetes.csv")).LastTransformer;
        var e = Assert.Throws<InvalidOperationException>(() => sdca.Model.GetStatistics());
        Assert.Contains("ComputeLinearStatistics", e.Message);
    }
}
