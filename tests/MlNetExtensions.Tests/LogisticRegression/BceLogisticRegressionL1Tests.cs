using Microsoft.ML;

namespace MlNetExtensions.Tests.LogisticRegression;

/// <summary>
/// L1 and elastic net against an independent solution: scikit-learn 1.2.1's <c>LogisticRegression(solver='saga',
/// tol=1e-14, max_iter=10⁶)</c> on the standardised breast_cancer train split (the same float32 numbers), with
/// C = 1/((λ₁ + λ₂)·n) and l1_ratio = λ₁/(λ₁ + λ₂), which is the objective mean BCE + λ₁‖θ‖₁ + (λ₂/2)‖θ‖² (bias unpenalised).
/// </summary>
public class BceLogisticRegressionL1Tests
{
    private readonly MLContext _ml = new(seed: 1);

    public static TheoryData<string, double, double, double, double[]> Saga => new()
    {
        {
            "lasso", 0.01, 0.0, 0.15639923740178407,
            [
                0.5324733381731539, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.39247280073557206, 0.0, 0.0, -1.0538245437303944, 0.0, 0.0, 0.0,
                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.8153253234296747, -0.8397591274665257, 0.0, 0.0, -0.2967206811743164, 0.0,
                -0.27191098194150853, -1.2625982742981747, -0.09464976094117786, 0.0,
            ]
        },
        {
            "elastic net", 0.005, 0.005, 0.13317962225243113,
            [
                0.4739926361831693, -0.38963749156719885, -0.2982717003403806, -0.3316336735126093, -0.3135646202745979, 0.0, 0.0,
                -0.255111309848659, -0.5683210422323811, 0.0, 0.07353442029788093, -0.7950170505286992, 0.0, -0.28443495318671147,
                -0.24250719702350357, 0.0, 0.12330270556647306, 0.0, 0.0, 0.13924722365377443, 0.10261700049547867, -0.7650612423297886,
                -0.6614796280564916, -0.6297593151988707, -0.5244104891845354, -0.5231580651202111, 0.0, -0.41052316518634707,
                -0.7812127138853779, -0.3284715475057563, 0.0,
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Saga))]
    public void Fit_L1AndElasticNet_EqualScikitLearnsSaga(string name, double l1, double l2, double objective, double[] coefficients)
    {
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            L1Regularization = l1,
            L2Regularization = l2,
            GradientTolerance = 1e-8,
        }).Fit(LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised())).Model.SubModel;
        var stats = model.GetStatistics();
        var report = model.GetTrainingReport();

        Assert.True(report.Converged, name);
        Assert.Equal(LogisticOptimizer.Lbfgs, report.Optimizer);
        // The same weights set exactly to zero, the others equal.
        Assert.Equal(coefficients.Skip(1).Count(c => c == 0), stats.ZeroWeightCount);
        for (int i = 0; i < coefficients.Length; i++)
        {
            Assert.Equal(coefficients[i] == 0, stats.Coefficients[i] == 0 && i > 0);
            Assert.Equal(coefficients[i], stats.Coefficients[i], 1e-6);
        }
        // Measured: the two objectives agree to 4e-16 relative.
        Assert.Equal(objective, report.Objective, objective * 1e-12);
        Assert.False(stats.HasCoefficientStatistics);
        Assert.Contains("L1", stats.UnavailableReason);
        Assert.Equal(stats.Deviance + 2.0 * (1 + coefficients.Skip(1).Count(c => c != 0)), stats.Aic, 9);
    }

    [Theory]
    [InlineData(LogisticOptimizer.Newton)]
    [InlineData(LogisticOptimizer.GradientDescent)]
    public void Create_L1WithAnOptimizerThatCannotMinimiseIt_ThrowsNamingBoth(LogisticOptimizer optimizer)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression(
            new BceLogisticRegressionTrainer.Options { L1Regularization = 0.1, Optimizer = optimizer }));
        Assert.Equal("Optimizer", e.ParamName);
        Assert.Contains("L1Regularization", e.Message);
        Assert.Contains(optimizer.ToString(), e.Message);
    }

    [Fact]
    public void Create_NegativeL1_ThrowsNamingIt()
        => Assert.Equal("L1Regularization", Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression(
            new BceLogisticRegressionTrainer.Options { L1Regularization = -1 })).ParamName);

    [Fact]
    public void Fit_L1_ReachesAnObjectiveNoWorseThanMlNetsOwlQnAtTheSameScaling()
    {
        // ML.NET's LbfgsLogisticRegression minimises (ΣBCE + L1‖θ‖₁ + (L2/2)‖θ‖²)/n: its L1 = λ₁·n, its L2 = λ₂·n.
        const double l1 = 0.01, l2 = 0.001;
        var data = LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised());
        var (x, y) = LogisticTestData.BreastCancerStandardised();
        double n = y.Length;
        var ours = _ml.BinaryClassification.Trainers.BceLogisticRegression(new BceLogisticRegressionTrainer.Options
        {
            L1Regularization = l1,
            L2Regularization = l2,
            GradientTolerance = 1e-9,
        }).Fit(data).Model.SubModel;
        var mlnet = _ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new Microsoft.ML.Trainers.LbfgsLogisticRegressionBinaryTrainer.Options
        {
            L1Regularization = (float)(l1 * n),
            L2Regularization = (float)(l2 * n),
            OptimizationTolerance = 1e-7f,
            LabelColumnName = "Label",
        }).Fit(LogisticTestData.BooleanView(_ml, x, y)).Model.SubModel;
        double Objective(IReadOnlyList<float> w, float b)
        {
            double loss = 0;
            for (int i = 0; i < y.Length; i++)
            {
                double z = b + x[i].Select((v, k) => (double)v * w[k]).Sum();
                loss += Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) - y[i] * z;
            }
            return loss / n + l1 * w.Sum(v => Math.Abs(v)) + 0.5 * l2 * w.Sum(v => (double)v * v);
        }
        Assert.True(Objective(ours.Weights, ours.Bias) <= Objective(mlnet.Weights, mlnet.Bias) + 1e-7,
            $"ours {Objective(ours.Weights, ours.Bias):R}, ML.NET {Objective(mlnet.Weights, mlnet.Bias):R}");
        Assert.Contains(ours.Weights, v => v == 0);
    }
}
