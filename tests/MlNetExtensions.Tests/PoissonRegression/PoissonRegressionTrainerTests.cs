using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.PoissonRegression;

/// <summary>
/// Poisson regression against an outside fit: statsmodels 0.13.5 (numpy 1.24.2), <c>sm.GLM(y, sm.add_constant(X),
/// family=sm.families.Poisson()).fit(tol=1e-14)</c> on data/bike_sharing_daily.train.csv with X and y first rounded to
/// float32 (what an ML.NET Single column holds), the same numbers R's glm(family = poisson) reports.
/// </summary>
public class PoissonRegressionTrainerTests
{
    private readonly MLContext _ml = new(seed: 1);

    // Bias first, then season, yr, mnth, holiday, weekday, workingday, weathersit, temp, atemp, hum, windspeed.
    private static readonly double[] StatsmodelsCoefficients =
    [
        7.593562338236461, 0.11449064810680049, 0.4618354704166364, -0.005127003468071075, -0.13029152758895235, 0.015516497426257617,
        0.003875542731388737, -0.15329724570578795, 0.24826534464000005, 1.0853947998777151, -0.19396994001109222, -0.4859925441931483,
    ];

    private static readonly double[] StatsmodelsStandardErrors =
    [
        0.005053719219282152, 0.0012724279146546745, 0.0012850715898646552, 0.00041336195237410254, 0.004132529635901747, 0.0003170545518665187,
        0.001392580045862001, 0.0015802588751598306, 0.024246590441522782, 0.027715550431258725, 0.006192547310191331, 0.009203647959438123,
    ];

    private static readonly double[] StatsmodelsZ =
    [
        1502.5690998549535, 89.97810153974201, 359.38501330130356, -12.403181857025421, -31.5282742214435, 48.93951950827102,
        2.782994588285798, -97.0076790046714, 10.239185803825043, 39.161942771793655, -31.32312605700531, -52.80433870732468,
    ];

    private const double StatsmodelsDeviance = 135044.67645051517;
    private const double StatsmodelsNullDeviance = 517347.428611701;
    private const double StatsmodelsAic = 140978.20078927756;

    [Fact]
    public void Catalog_NamedArguments_AreStable()
    {
        PoissonRegressionTrainer simple = _ml.Regression.Trainers.PoissonRegression(
            labelColumnName: "Label", featureColumnName: "Features", exampleWeightColumnName: null, l2Regularization: 0);
        PoissonRegressionTrainer full = _ml.Regression.Trainers.PoissonRegression(options: new PoissonRegressionTrainer.Options
        {
            L2Regularization = 0.1,
            Optimizer = GlmOptimizer.Lbfgs,
            GradientTolerance = 1e-7,
            MaximumNumberOfIterations = 50,
            HistorySize = 5,
            ComputeStatistics = false,
        });
        Assert.NotNull(simple);
        Assert.NotNull(full);
    }

    [Theory]
    [InlineData(GlmOptimizer.Newton)]
    [InlineData(GlmOptimizer.Auto)]
    public void Fit_BikeSharing_EqualsStatsmodelsGlmPoisson(GlmOptimizer optimizer)
    {
        var data = TestData.Load(_ml, "bike_sharing_daily.train.csv");
        var model = _ml.Regression.Trainers.PoissonRegression(new PoissonRegressionTrainer.Options
        {
            Optimizer = optimizer,
            GradientTolerance = 1e-10,
        }).Fit(data).Model;
        var stats = model.GetStatistics();

        Assert.Equal(584, stats.Count);
        for (int i = 0; i < StatsmodelsCoefficients.Length; i++)
        {
            // The optimiser's doubles (measured within 3e-13 relative); the model holds them as Single.
            Assert.Equal(StatsmodelsCoefficients[i], stats.Coefficients[i], Math.Abs(StatsmodelsCoefficients[i]) * 1e-9);
            Assert.Equal(StatsmodelsStandardErrors[i], stats.StandardErrors![i], StatsmodelsStandardErrors[i] * 1e-7);
            Assert.Equal(StatsmodelsZ[i], stats.ZValues![i], Math.Abs(StatsmodelsZ[i]) * 1e-7);
        }
        Assert.Equal(StatsmodelsCoefficients[0], model.Bias, 1e-6);
        Assert.Equal(StatsmodelsDeviance, stats.Deviance, StatsmodelsDeviance * 1e-10);
        Assert.Equal(StatsmodelsNullDeviance, stats.NullDeviance, StatsmodelsNullDeviance * 1e-10);
        Assert.Equal(StatsmodelsAic, stats.Aic, StatsmodelsAic * 1e-10);
        // statsmodels: p = 0.0053859704506430605 for workingday, the one not below double's resolution.
        Assert.Equal(0.0053859704506430605, stats.PValues![6], 1e-9);
        Assert.Contains("(bias)", stats.ToTable());
    }

    [Fact]
    public void Fit_NewtonAndLbfgs_ReachTheSameOptimum()
    {
        // Standardised features, so that L-BFGS converges in a reasonable number of steps; λ > 0 exercises the penalty.
        var data = _ml.Transforms.NormalizeMeanVariance("Features").Fit(TestData.Load(_ml, "bike_sharing_daily.train.csv"))
            .Transform(TestData.Load(_ml, "bike_sharing_daily.train.csv"));
        PoissonRegressionStatistics Fit(GlmOptimizer optimizer) => _ml.Regression.Trainers.PoissonRegression(new PoissonRegressionTrainer.Options
        {
            Optimizer = optimizer,
            L2Regularization = 1e-3,
            GradientTolerance = 1e-9,
            MaximumNumberOfIterations = 5000,
        }).Fit(data).Model.GetStatistics();
        var newton = Fit(GlmOptimizer.Newton);
        var lbfgs = Fit(GlmOptimizer.Lbfgs);
        // Counts in the thousands put the mean objective near −33,550, whose rounding floor (≈ 7e-12) L-BFGS reaches at a
        // gradient norm near 1e-4 and stops there, as it says in the log; Newton's steps go on to 1e-11. Measured: the
        // coefficients then differ by at most 5e-7, the deviances by 1e-13 relative.
        for (int i = 0; i < newton.Coefficients.Count; i++)
            Assert.Equal(newton.Coefficients[i], lbfgs.Coefficients[i], 5e-6);
        Assert.Equal(newton.Deviance, lbfgs.Deviance, newton.Deviance * 1e-10);
    }

    [Fact]
    public void Score_IsTheExponentialOfTheLinearScoreAndEvaluates()
    {
        var train = TestData.Load(_ml, "bike_sharing_daily.train.csv");
        var test = TestData.Load(_ml, "bike_sharing_daily.test.csv");
        var model = _ml.Regression.Trainers.PoissonRegression().Fit(train);
        var w = model.Model.Weights.ToArray();
        float b = model.Model.Bias;
        var scored = model.Transform(test);
        var scores = scored.GetColumn<float>("Score").ToArray();
        var features = test.GetColumn<float[]>("Features").ToArray();
        for (int i = 0; i < scores.Length; i++)
        {
            double z = b + features[i].Select((x, k) => (double)x * w[k]).Sum();
            Assert.Equal(Math.Exp(z), scores[i], Math.Exp(z) * 1e-5);
        }
        var metrics = _ml.Regression.Evaluate(scored);
        Assert.True(metrics.RSquared > 0.5, $"test R² = {metrics.RSquared}");
    }

    [Fact]
    public void SaveAndLoad_ScoresIdentically()
    {
        var data = TestData.Load(_ml, "bike_sharing_daily.test.csv");
        var model = _ml.Regression.Trainers.PoissonRegression().Fit(TestData.Load(_ml, "bike_sharing_daily.train.csv"));
        using var stream = new MemoryStream();
        _ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = _ml.Model.Load(stream, out _);
        Assert.IsType<RegressionPredictionTransformer<PoissonRegressionModelParameters>>(loaded);
        Assert.Equal(model.Transform(data).GetColumn<float>("Score"), loaded.Transform(data).GetColumn<float>("Score"));
    }

    [Fact]
    public void Fit_ExampleWeightOfTwo_EqualsTheRowTwice()
    {
        var (x, y) = Counts(60, seed: 3);
        var weights = Enumerable.Range(0, x.Length).Select(i => i % 3 == 0 ? 2f : 1f).ToArray();
        var repeated = Enumerable.Range(0, x.Length).SelectMany(i => Enumerable.Repeat(i, (int)weights[i])).ToArray();
        var weighted = _ml.Regression.Trainers.PoissonRegression(exampleWeightColumnName: "Weight")
            .Fit(TestData.FromRows(_ml, x, y, weights)).Model.GetStatistics();
        var copies = _ml.Regression.Trainers.PoissonRegression()
            .Fit(TestData.FromRows(_ml, repeated.Select(i => x[i]).ToArray(), repeated.Select(i => y[i]).ToArray())).Model.GetStatistics();
        for (int i = 0; i < weighted.Coefficients.Count; i++)
        {
            Assert.Equal(copies.Coefficients[i], weighted.Coefficients[i], 1e-9);
            Assert.Equal(copies.StandardErrors![i], weighted.StandardErrors![i], 1e-9);
        }
        Assert.Equal(copies.Deviance, weighted.Deviance, 1e-8);
        Assert.Equal(copies.Aic, weighted.Aic, 1e-8);
    }

    [Fact]
    public void Fit_NegativeLabel_ThrowsNamingTheRow()
    {
        var (x, y) = Counts(10, seed: 1);
        y[7] = -1;
        var e = Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.PoissonRegression().Fit(TestData.FromRows(_ml, x, y)));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("row 7 has -1", e.Message);
    }

    [Fact]
    public void Fit_AllLabelsZero_SaysWhyThereIsNoFit()
    {
        var (x, _) = Counts(10, seed: 1);
        var e = Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.PoissonRegression().Fit(TestData.FromRows(_ml, x, new float[10])));
        Assert.Contains("0 in every usable row", e.Message);
    }

    [Fact]
    public void Fit_BooleanLabel_ThrowsAsMlNetsTrainersDo()
    {
        var data = _ml.Data.LoadFromEnumerable([new BoolRow { Features = [1f], Label = true }, new BoolRow { Features = [0f], Label = false }]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.PoissonRegression().Fit(data));
        Assert.Contains("label column 'Label': expected Single, got Boolean", e.Message);
    }

    /// <summary>Counts drawn from Poisson(exp(0.5 + 0.8·x₀ − 0.4·x₁)) with standard normal x.</summary>
    private static (float[][] X, float[] Y) Counts(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n][];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = [(float)TestData.Gaussian(rng), (float)TestData.Gaussian(rng)];
            double mean = Math.Exp(0.5 + 0.8 * x[i][0] - 0.4 * x[i][1]);
            // Knuth's method: the number of uniform factors before the product drops below e^−mean.
            int k = 0;
            for (double p = rng.NextDouble(), limit = Math.Exp(-mean); p > limit; p *= rng.NextDouble()) k++;
            y[i] = k;
        }
        return (x, y);
    }

    private sealed class BoolRow
    {
        [VectorType(1)] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }
}
