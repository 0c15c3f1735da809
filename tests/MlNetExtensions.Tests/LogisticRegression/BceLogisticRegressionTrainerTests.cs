using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.Tests.Support;
using Xunit.Abstractions;

namespace MlNetExtensions.Tests.LogisticRegression;

public class BceLogisticRegressionTrainerTests(ITestOutputHelper output)
{
    private readonly MLContext _ml = new(seed: 1);

    private static BceLogisticRegressionTrainer.Options Options(LogisticOptimizer optimizer, double lambda, double tolerance = 1e-6,
        int iterations = 1000) => new()
        {
            Optimizer = optimizer,
            L2Regularization = lambda,
            GradientTolerance = tolerance,
            MaximumNumberOfIterations = iterations,
        };

    [Fact]
    public void CatalogMethods_NamedArguments_AreTheApiContract()
    {
        var simple = _ml.BinaryClassification.Trainers.BceLogisticRegression(
            labelColumnName: "Label", featureColumnName: "Features", exampleWeightColumnName: null, l2Regularization: 0);
        var full = _ml.BinaryClassification.Trainers.BceLogisticRegression(options: new BceLogisticRegressionTrainer.Options
        {
            LabelColumnName = "Label",
            FeatureColumnName = "Features",
            ExampleWeightColumnName = null,
            L2Regularization = 0.1,
            Optimizer = LogisticOptimizer.Lbfgs,
            LearningRate = null,
            MaximumNumberOfIterations = 100,
            GradientTolerance = 1e-6,
            BatchSize = null,
            HistorySize = 10,
            Seed = 0,
            ComputeStatistics = true,
            NumberOfThreads = null,
        });
        Assert.NotNull(simple);
        Assert.NotNull(full);
        Assert.Equal(LogisticOptimizer.Auto, new BceLogisticRegressionTrainer.Options().Optimizer);
        Assert.Equal([LogisticOptimizer.Newton, LogisticOptimizer.Lbfgs, LogisticOptimizer.GradientDescent, LogisticOptimizer.Auto], Enum.GetValues<LogisticOptimizer>());
    }

    [Fact]
    public void Fit_BreastCancerWithL2_EqualsIndependentNewton()
    {
        const double lambda = 0.01;
        var data = LogisticTestData.BreastCancerStandardised();
        var (beta, covariance) = LogisticTestData.ReferenceNewton(data.X, data.Y, lambda);

        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(Options(LogisticOptimizer.Newton, lambda, 1e-9))
            .Fit(LogisticTestData.View(_ml, data)).Model.SubModel;

        double maxDiff = Math.Abs(beta[0] - model.Bias);
        for (int j = 0; j < data.X[0].Length; j++) maxDiff = Math.Max(maxDiff, Math.Abs(beta[j + 1] - model.Weights[j]));
        output.WriteLine($"max |coefficient − reference| = {maxDiff:G3} (coefficients up to {beta.AbsoluteMaximum():G3})");
        Assert.True(maxDiff < 1e-5, $"max difference {maxDiff}");

        var stats = model.GetStatistics();
        for (int k = 0; k <= data.X[0].Length; k++)
            Assert.Equal(Math.Sqrt(covariance[k, k]), stats.StandardErrors![k], Math.Sqrt(covariance[k, k]) * 1e-4);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.001)]
    public void Fit_ThreeOptimizers_ReachTheSameOptimum(double lambda)
    {
        const double tolerance = 1e-8;
        var data = LogisticTestData.BreastCancerStandardised();
        var view = LogisticTestData.View(_ml, data);
        var fits = new[] { LogisticOptimizer.Newton, LogisticOptimizer.Lbfgs, LogisticOptimizer.GradientDescent }
            .Select(o => _ml.BinaryClassification.Trainers.BceLogisticRegression(Options(o, lambda, tolerance, 1_000_000)).Fit(view).Model.SubModel)
            .ToArray();
        var reports = fits.Select(f => f.GetTrainingReport()).ToArray();
        foreach (var r in reports)
        {
            output.WriteLine($"{r.Optimizer}: {r.Iterations} iterations, objective {r.Objective:G15}, gradient norm {r.GradientNorm:G3}, {r.Elapsed.TotalMilliseconds:F1} ms");
            Assert.True(r.Converged, $"{r.Optimizer} did not converge");
            Assert.True(r.GradientNorm <= tolerance);
        }
        double maxDiff = 0;
        for (int a = 0; a < fits.Length; a++)
            for (int b = a + 1; b < fits.Length; b++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(fits[a].Bias - fits[b].Bias));
                for (int j = 0; j < fits[a].Weights.Count; j++)
                    maxDiff = Math.Max(maxDiff, Math.Abs(fits[a].Weights[j] - fits[b].Weights[j]));
            }
        output.WriteLine($"λ = {lambda}: max |coefficient difference| between optimizers = {maxDiff:G3}; objectives differ by " +
                         $"{reports.Max(r => r.Objective) - reports.Min(r => r.Objective):G3}");
        // ‖Δθ‖ ≤ ‖g‖/μ with μ ≥ λ the smallest curvature; plus float rounding of the stored weights.
        Assert.True(maxDiff <= 2 * tolerance / lambda + 1e-5, $"optimizers differ by {maxDiff}");
    }

    [Fact]
    public void Fit_AtTheOptimum_GradientIdentityHolds()
    {
        // Textbook identity at the optimum: Σw(p − y)x/Σw + λθ = 0 and Σw(p − y) = 0 (the bias equation).
        const double lambda = 0.05;
        var data = LogisticTestData.Logistic(2000, [1.0, -2.0, 0.5, 0.0], 0.3, seed: 4);
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: lambda)
            .Fit(LogisticTestData.View(_ml, data)).Model.SubModel;
        int n = data.X.Length, d = 4;
        var gradient = new double[d + 1];
        for (int i = 0; i < n; i++)
        {
            double z = model.Bias;
            for (int j = 0; j < d; j++) z += model.Weights[j] * (double)data.X[i][j];
            double r = 1 / (1 + Math.Exp(-z)) - data.Y[i];
            for (int j = 0; j < d; j++) gradient[j] += r * data.X[i][j] / n;
            gradient[d] += r / n;
        }
        for (int j = 0; j < d; j++) gradient[j] += lambda * model.Weights[j];
        // The weights are stored in float: the identity holds to float rounding of the coefficients.
        Assert.All(gradient, g => Assert.True(Math.Abs(g) < 1e-6, $"gradient component {g}"));
    }

    [Fact]
    public void Transform_Probability_IsSigmoidOfScore()
    {
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01)
            .Fit(LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised()));
        var scored = model.Transform(LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised("test")));
        var scores = scored.GetColumn<float>("Score").ToArray();
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-scores[i])), probabilities[i], 1e-6);
            Assert.Equal(scores[i] > 0, predicted[i]);
        }
    }

    [Fact]
    public void Fit_StatisticsWithoutL2_MatchInverseFisherInformationAndMlNetLbfgs()
    {
        var data = LogisticTestData.Logistic(3000, [0.8, -1.2, 0.4], -0.5, seed: 21);
        var view = LogisticTestData.View(_ml, data);
        var (beta, covariance) = LogisticTestData.ReferenceNewton(data.X, data.Y, 0);

        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0).Fit(view).Model.SubModel;
        var stats = model.GetStatistics();
        var mlnet = Assert.IsType<LinearModelParameterStatistics>(model.Statistics);
        Assert.Equal(3000, mlnet.TrainingExampleCount);
        Assert.Equal(4, mlnet.ParametersCount);
        Assert.Equal(stats.Deviance, mlnet.Deviance, stats.Deviance * 1e-6);
        Assert.Equal(Math.Sqrt(covariance[0, 0]), mlnet.GetBiasStatistics().StandardError, 1e-5);
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(beta[k], stats.Coefficients[k], 1e-5);
            Assert.Equal(Math.Sqrt(covariance[k, k]), stats.StandardErrors![k], Math.Sqrt(covariance[k, k]) * 1e-5);
            double z = beta[k] / Math.Sqrt(covariance[k, k]);
            Assert.Equal(z, stats.ZValues![k], 1e-3);
            Assert.Equal(2 * MathNet.Numerics.Distributions.Normal.CDF(0, 1, -Math.Abs(z)), stats.PValues![k], 1e-6);
        }
        Assert.Equal(stats.Deviance + 8, stats.Aic, 9);

        // ML.NET's own L-BFGS logistic regression with statistics, unpenalised, lands on the same fit.
        var booleanLabels = _ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean).Fit(view).Transform(view);
        var lbfgs = _ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            L1Regularization = 0,
            L2Regularization = 0,
            OptimizationTolerance = 1e-10f,
            ShowTrainingStatistics = true,
        }).Fit(booleanLabels).Model.SubModel;
        // Without Microsoft.ML.Mkl.Components ML.NET computes no standard errors: only the deviances to compare.
        var reference = lbfgs.Statistics;
        Assert.Equal(reference.TrainingExampleCount, mlnet.TrainingExampleCount);
        Assert.Equal(reference.Deviance, mlnet.Deviance, reference.Deviance * 1e-4);
        Assert.Equal(reference.NullDeviance, mlnet.NullDeviance, reference.NullDeviance * 1e-5);
        for (int j = 0; j < 3; j++) Assert.Equal(lbfgs.Weights[j], model.Weights[j], 2e-3);
        output.WriteLine(stats.ToTable());
    }

    [Fact]
    public void SaveAndLoad_FreshContext_GivesBitIdenticalScoresAndKeepsStatistics()
    {
        var train = LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised());
        var test = LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised("test"));
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01).Fit(train);
        string path = Path.Combine(Path.GetTempPath(), $"bce-logistic-{Guid.NewGuid():N}.zip");
        try
        {
            _ml.Model.Save(model, train.Schema, path);
            var fresh = new MLContext();
            var loaded = fresh.Model.Load(path, out _);
            foreach (var column in new[] { "Score", "Probability" })
            {
                var before = model.Transform(test).GetColumn<float>(column).ToArray();
                var after = loaded.Transform(test).GetColumn<float>(column).ToArray();
                Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), after.Select(BitConverter.SingleToInt32Bits));
            }
            var typed = Assert.IsType<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>>(loaded);
            var loadedStats = Assert.IsType<LinearModelParameterStatistics>(typed.Model.SubModel.Statistics);
            var original = (LinearModelParameterStatistics)model.Model.SubModel.Statistics;
            Assert.Equal(original.Deviance, loadedStats.Deviance);
            Assert.Equal(original.GetBiasStatistics().StandardError, loadedStats.GetBiasStatistics().StandardError);
            // The richer statistics are rebuilt from what the zip holds.
            var rebuilt = typed.Model.SubModel.GetStatistics();
            var trained = model.Model.SubModel.GetStatistics();
            for (int k = 0; k < trained.StandardErrors!.Count; k++)
                Assert.Equal(trained.StandardErrors[k], rebuilt.StandardErrors![k], trained.StandardErrors[k] * 1e-6);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OneVersusAll_OnIris_TrainsAMulticlassModel()
    {
        var data = TestData.Load(_ml, "iris.csv");
        var pipeline = _ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(_ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(_ml.MulticlassClassification.Trainers.OneVersusAll(
                _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.001)))
            .Append(_ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(data);
        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(data));
        output.WriteLine($"iris OVA: micro accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");
        Assert.True(metrics.MicroAccuracy > 0.93, $"accuracy {metrics.MicroAccuracy}");
    }

    [Fact]
    public void EvaluateCrossValidatePredictionEngineAndPfi_WorkNatively()
    {
        var (x, y) = LogisticTestData.BreastCancerStandardised();
        var data = LogisticTestData.View(_ml, (x, y));
        var trainer = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01);
        var model = trainer.Fit(data);

        var metrics = _ml.BinaryClassification.Evaluate(model.Transform(data));
        Assert.True(metrics.AreaUnderRocCurve > 0.99);
        Assert.True(metrics.LogLoss < 0.15);

        var folds = _ml.BinaryClassification.CrossValidate(data, trainer, numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.Accuracy > 0.9));

        var engine = _ml.Model.CreatePredictionEngine<TestData.Row, Prediction>(model, inputSchemaDefinition: RowSchema(x[0].Length));
        var one = engine.Predict(new TestData.Row { Features = x[0], Label = y[0] });
        var batch = model.Transform(LogisticTestData.View(_ml, ([x[0]], [y[0]]))).GetColumn<float>("Score").Single();
        Assert.Equal(batch, one.Score);

        var importance = _ml.BinaryClassification.PermutationFeatureImportance(model, data, permutationCount: 1);
        Assert.Equal(x[0].Length, importance.Length);

        // Feature contributions of a linear model are weight × value.
        var contributions = _ml.Transforms.CalculateFeatureContribution(model, numberOfPositiveContributions: 30,
            numberOfNegativeContributions: 30, normalize: false).Fit(data).Transform(data)
            .GetColumn<float[]>("FeatureContributions").First();
        for (int j = 0; j < x[0].Length; j++) Assert.Equal(model.Model.SubModel.Weights[j] * x[0][j], contributions[j], 1e-5);
    }

    [Theory]
    [InlineData(LogisticOptimizer.Newton)]
    [InlineData(LogisticOptimizer.Lbfgs)]
    [InlineData(LogisticOptimizer.GradientDescent)]
    public void Fit_SeparableDataWithoutL2_StopsEarlyWithWarningRecommendingL2(LogisticOptimizer optimizer)
    {
        var messages = new List<string>();
        _ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var options = Options(optimizer, 0, 1e-8, 100_000);
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(options)
            .Fit(LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised())).Model.SubModel;

        var report = model.GetTrainingReport();
        output.WriteLine($"{optimizer}: stopped after {report.Iterations} iterations, objective {report.Objective:G4}");
        for (int t = 1; t < report.ObjectiveHistory.Count; t *= 2) output.WriteLine($"  objective after {t} iterations: {report.ObjectiveHistory[t]:G6}");
        Assert.True(report.SeparationDetected);
        Assert.False(report.Converged);
        Assert.True(report.Iterations < 100_000);
        Assert.All(model.Weights, w => Assert.True(float.IsFinite(w)));
        Assert.Contains(messages, m => m.Contains("linearly separable") && m.Contains("L2Regularization"));
        Assert.False(model.GetStatistics().HasCoefficientStatistics);
        Assert.Null(model.Statistics);
    }

    [Fact]
    public void GetOutputSchema_SingleOrBooleanLabel_AddsScoreProbabilityAndPredictedLabel()
    {
        var singleLabel = TestData.FromRows(_ml, [[1f], [2f]], [0f, 1f]);
        var booleanLabel = _ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean).Fit(singleLabel).Transform(singleLabel);
        foreach (var (labelType, data) in new (DataViewType, IDataView)[] { (NumberDataViewType.Single, singleLabel), (BooleanDataViewType.Instance, booleanLabel) })
        {
            var input = TestData.ShapeOf(data);
            var shape = _ml.BinaryClassification.Trainers.BceLogisticRegression().GetOutputSchema(input);
            Assert.Contains(shape, c => c.Name == "Score" && c.ItemType == NumberDataViewType.Single);
            Assert.Contains(shape, c => c.Name == "Probability" && c.ItemType == NumberDataViewType.Single);
            Assert.Contains(shape, c => c.Name == "PredictedLabel" && c.ItemType == BooleanDataViewType.Instance);
            Assert.Contains(shape, c => c.Name == "Label" && c.ItemType == labelType);
        }
    }

    [Theory]
    [InlineData(LogisticOptimizer.Newton)]
    [InlineData(LogisticOptimizer.Lbfgs)]
    [InlineData(LogisticOptimizer.GradientDescent)]
    public void Fit_QuasiSeparableDataWithoutL2_ReturnsFiniteWeightsWithoutHanging(LogisticOptimizer optimizer)
    {
        // x₀ > 0 ⇒ 1, x₀ < 0 ⇒ 0, and two identical rows at x = 0, one of each class (quasi-complete separation): the
        // weight of x₀ has no finite optimum, yet no parameters put every row strictly on its side.
        var x = Enumerable.Range(-49, 99).Select(i => new[] { i / 10f, i == 0 ? 0f : (i * 7 % 5) / 5f }).Append([0f, 0f]).ToArray();
        var y = x.Select((r, i) => r[0] > 0 ? 1f : r[0] < 0 ? 0f : i == 49 ? 1f : 0f).ToArray();
        var messages = new List<string>();
        _ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(Options(optimizer, 0, 1e-6, 2000))
            .Fit(TestData.FromRows(_ml, x, y)).Model.SubModel;
        var report = model.GetTrainingReport();
        Assert.Contains(messages, m => m.Contains("quasi-separable") && m.Contains("L2Regularization"));
        output.WriteLine($"{optimizer}: {report.Iterations} iterations, converged {report.Converged}, weight {model.Weights[0]:G4}, objective {report.Objective:G4}");
        Assert.All(model.Weights, w => Assert.True(float.IsFinite(w)));
        Assert.True(float.IsFinite(model.Bias));
    }

    [Fact]
    public void Fit_WideData_AllOptimizersAgree()
    {
        // 300 features: gradient descent's step then comes from power iteration rather than an eigendecomposition.
        var rng = new Random(17);
        var theta = Enumerable.Range(0, 300).Select(_ => TestData.Gaussian(rng) * 0.1).ToArray();
        var data = LogisticTestData.Logistic(3000, theta, 0.2, seed: 18);
        var view = LogisticTestData.View(_ml, data);
        var fits = new[] { LogisticOptimizer.Newton, LogisticOptimizer.Lbfgs, LogisticOptimizer.GradientDescent }
            .Select(o => _ml.BinaryClassification.Trainers.BceLogisticRegression(Options(o, 0.05, 1e-7, 100_000)).Fit(view).Model.SubModel)
            .ToArray();
        Assert.All(fits, f => Assert.True(f.GetTrainingReport().Converged));
        double maxDiff = fits.Skip(1).Max(f => f.Weights.Zip(fits[0].Weights, (a, b) => Math.Abs(a - b)).Max());
        output.WriteLine($"300 features: max |weight difference| to Newton = {maxDiff:G3}; GD took {fits[2].GetTrainingReport().Iterations} iterations");
        Assert.True(maxDiff < 1e-5);
    }

    [Fact]
    public void Fit_MiniBatchGradientDescent_ApproachesTheOptimum()
    {
        var data = LogisticTestData.Logistic(4000, [1.0, -1.0, 0.5], 0.2, seed: 8);
        var view = LogisticTestData.View(_ml, data);
        var newton = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01).Fit(view).Model.SubModel;
        var options = Options(LogisticOptimizer.GradientDescent, 0.01, 1e-6, 200);
        options.BatchSize = 100;
        options.LearningRate = 0.5;
        var sgd = _ml.BinaryClassification.Trainers.BceLogisticRegression(options).Fit(view).Model.SubModel;
        var report = sgd.GetTrainingReport();
        double best = newton.GetTrainingReport().Objective;
        output.WriteLine($"mini-batch: {report.Iterations} epochs, objective {report.Objective:G8} vs optimum {best:G8}");
        Assert.True(report.Objective - best < 1e-3);
        Assert.True(report.ObjectiveHistory[^1] < report.ObjectiveHistory[0]);
    }

    [Fact]
    public void Fit_GradientDescent_RecordsAndLogsLossPerIteration()
    {
        var messages = new List<string>();
        _ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var options = Options(LogisticOptimizer.GradientDescent, 0.01, 1e-6, 50);
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(options)
            .Fit(LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised())).Model.SubModel;
        var history = model.GetTrainingReport().ObjectiveHistory;
        Assert.Equal(51, history.Count);
        // With the step 1/L every iteration descends.
        for (int i = 1; i < history.Count; i++) Assert.True(history[i] <= history[i - 1]);
        Assert.Contains(messages, m => m.Contains("Gradient descent iteration 50: objective"));
        Assert.Contains(messages, m => m.Contains("MaximumNumberOfIterations = 50"));
    }

    [Fact]
    public void Fit_IntegerWeights_EqualRepeatingRows()
    {
        var (x, y) = LogisticTestData.Logistic(300, [1.0, -0.5], 0.1, seed: 12);
        var weights = Enumerable.Range(0, x.Length).Select(i => (float)(i % 3)).ToArray();
        var repeatedX = x.SelectMany((r, i) => Enumerable.Repeat(r, (int)weights[i])).ToArray();
        var repeatedY = y.SelectMany((v, i) => Enumerable.Repeat(v, (int)weights[i])).ToArray();
        var weighted = _ml.BinaryClassification.Trainers.BceLogisticRegression(exampleWeightColumnName: "Weight")
            .Fit(TestData.FromRows(_ml, x, y, weights)).Model.SubModel;
        var repeated = _ml.BinaryClassification.Trainers.BceLogisticRegression()
            .Fit(TestData.FromRows(_ml, repeatedX, repeatedY)).Model.SubModel;
        Assert.Equal(repeated.Bias, weighted.Bias, 5);
        for (int j = 0; j < 2; j++) Assert.Equal(repeated.Weights[j], weighted.Weights[j], 5);
        Assert.Equal(repeated.GetStatistics().Deviance, weighted.GetStatistics().Deviance, 6);
        Assert.Equal(200, weighted.GetStatistics().Count);
    }

    [Fact]
    public void Fit_OneThreadOrSeveral_GivesBitIdenticalWeights()
    {
        var data = LogisticTestData.Logistic(40_000, [0.5, -1.0, 0.25, 2.0, 0.0, 1.0, -0.3, 0.7, 0.1], 0.4, seed: 3);
        var view = LogisticTestData.View(_ml, data);
        foreach (var optimizer in new[] { LogisticOptimizer.Newton, LogisticOptimizer.Lbfgs })
        {
            var single = Options(optimizer, 1e-3);
            single.NumberOfThreads = 1;
            var several = Options(optimizer, 1e-3);
            several.NumberOfThreads = 3;
            var a = _ml.BinaryClassification.Trainers.BceLogisticRegression(single).Fit(view).Model.SubModel;
            var b = _ml.BinaryClassification.Trainers.BceLogisticRegression(several).Fit(view).Model.SubModel;
            Assert.Equal(a.Bias, b.Bias);
            Assert.Equal(a.Weights, b.Weights);
        }
    }

    [Fact]
    public void Fit_BooleanLabel_EqualsSingleZeroOneLabel()
    {
        var (x, y) = LogisticTestData.Logistic(500, [1.0, 2.0], -0.5, seed: 2);
        var floatModel = _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(TestData.FromRows(_ml, x, y)).Model.SubModel;
        var boolData = _ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Boolean)
            .Fit(TestData.FromRows(_ml, x, y)).Transform(TestData.FromRows(_ml, x, y));
        Assert.Equal(BooleanDataViewType.Instance, boolData.Schema["Label"].Type);
        var boolModel = _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(boolData).Model.SubModel;
        Assert.Equal(floatModel.Weights, boolModel.Weights);
    }

    [Fact]
    public void Fit_RowsWithNaN_AreSkippedAndCounted()
    {
        var (x, y) = LogisticTestData.Logistic(200, [1.0, -1.0], 0, seed: 5);
        x[7][0] = float.NaN;
        y[9] = float.NaN;
        var messages = new List<string>();
        _ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(TestData.FromRows(_ml, x, y)).Model.SubModel;
        Assert.Equal(198, model.GetStatistics().Count);
        Assert.Contains(messages, m => m.Contains("Skipped 2 of 200 rows"));
    }

    private static SchemaDefinition RowSchema(int d)
    {
        var schema = SchemaDefinition.Create(typeof(TestData.Row));
        schema[nameof(TestData.Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return schema;
    }

    private sealed class Prediction
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }
}

public class BceLogisticRegressionRoundingFloorTests
{
    [Theory]
    [InlineData(LogisticOptimizer.Newton)]
    [InlineData(LogisticOptimizer.Lbfgs)]
    public void Fit_ToleranceBelowTheRoundingFloor_StopsForLackOfProgressInsteadOfRunningToTheCap(LogisticOptimizer optimizer)
    {
        // A tolerance of 1e-300 cannot be met: once no step lowers the objective, the fit must say so and stop (it used
        // to accept steps that left f unchanged and spin to MaximumNumberOfIterations).
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) warnings.Add(e.Message); };
        var report = ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            Optimizer = optimizer,
            L2Regularization = 0.01,
            GradientTolerance = 1e-300,
            MaximumNumberOfIterations = 1000,
        }).Fit(LogisticTestData.View(ml, LogisticTestData.BreastCancerStandardised())).Model.SubModel.GetTrainingReport();
        Assert.False(report.Converged);
        Assert.True(report.Iterations < (optimizer == LogisticOptimizer.Newton ? 40 : 500), $"{report.Iterations} iterations");
        Assert.Contains(warnings, w => w.Contains("below what rounding allows"));
    }
}
