using CsCheck;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Properties;

/// <summary>Properties of the two classifiers' outputs, on random problems.</summary>
public class ClassifierProperties
{
    private static IDataView Problem(MLContext ml, int n, int d, int seed, out float[][] x)
    {
        var rng = new Random(seed);
        var theta = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (float)TestData.Gaussian(rng)).ToArray()).ToArray();
        var y = x.Select(r => r.Select((v, j) => v * theta[j]).Sum() + TestData.Gaussian(rng) > 0 ? 1f : 0f).ToArray();
        y[0] = 1; y[1] = 0; // both classes present
        return TestData.FromRows(ml, x, y);
    }

    private static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));

    [Fact]
    public void BceLogisticRegression_ProbabilityIsSigmoidOfScore_AndLiesInTheUnitInterval()
    {
        var ml = new MLContext(seed: 0);
        Gen.Select(Gen.Int[10, 80], Gen.Int[1, 4], Gen.Int).Sample((n, d, seed) =>
        {
            var data = Problem(ml, n, d, seed, out _);
            var scored = ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.1).Fit(data).Transform(data);
            var scores = scored.GetColumn<float>("Score").ToArray();
            var probabilities = scored.GetColumn<float>("Probability").ToArray();
            for (int i = 0; i < n; i++)
            {
                Assert.InRange(probabilities[i], 0f, 1f);
                Assert.Equal(Sigmoid(scores[i]), probabilities[i], 1e-5f);
            }
        }, iter: 200);
    }

    [Fact]
    public void BinaryMlp_ProbabilityIsSigmoidOfScore_AndLiesInTheUnitInterval()
    {
        var ml = new MLContext(seed: 0);
        Gen.Select(Gen.Int[10, 60], Gen.Int[1, 4], Gen.Int).Sample((n, d, seed) =>
        {
            var data = Problem(ml, n, d, seed, out _);
            var scored = ml.BinaryClassification.Trainers.Mlp(hiddenLayerSizes: [4], activation: MlpActivation.Tanh, numberOfEpochs: 5, seed: 1)
                .Fit(data).Transform(data);
            var scores = scored.GetColumn<float>("Score").ToArray();
            var probabilities = scored.GetColumn<float>("Probability").ToArray();
            for (int i = 0; i < n; i++)
            {
                Assert.InRange(probabilities[i], 0f, 1f);
                Assert.Equal(Sigmoid(scores[i]), probabilities[i], 1e-5f);
            }
        }, iter: 100);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MlpWithoutHiddenLayers_ReachesTheLogisticRegressionOptimum(int seed)
    {
        // Same objective: mean BCE + (λ/2)‖θ‖², bias unpenalised. Full-batch Adam run long enough to converge.
        var ml = new MLContext(seed: 0);
        const double lambda = 0.05;
        var data = Problem(ml, 200, 3, seed, out _);
        var logistic = ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: lambda).Fit(data);
        var mlp = ml.BinaryClassification.Trainers.Mlp(new MlpOptions
        {
            HiddenLayerSizes = [],
            L2Regularization = lambda,
            LearningRate = 0.05,
            BatchSize = 200,
            NumberOfEpochs = 3000,
            Shuffle = false,
            Seed = seed,
            StopOnTrainingLossPlateau = false,
        }).Fit(data);
        var weights = mlp.Model.GetWeights(0);
        var expected = logistic.Model.SubModel.Weights;
        for (int j = 0; j < 3; j++) Assert.Equal(expected[j], weights[j], 0.01f);
        Assert.Equal(logistic.Model.SubModel.Bias, mlp.Model.GetBiases(0)[0], 0.01f);
    }
}
