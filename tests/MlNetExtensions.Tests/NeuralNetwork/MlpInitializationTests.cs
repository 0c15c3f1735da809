using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// Where training starts: Glorot-uniform weights as scikit-learn's MLP, zero hidden biases, output biases at the best
/// constant prediction; and the regression label standardisation that makes the default usable on labels in the hundreds.
/// </summary>
public class MlpInitializationTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Theory]
    [InlineData(MlpActivation.Relu, 6.0)]
    [InlineData(MlpActivation.Tanh, 6.0)]
    [InlineData(MlpActivation.Sigmoid, 2.0)]
    public void Initialize_EveryLayerIsUniformInGlorotsBound_AsScikitLearn(MlpActivation activation, double factor)
    {
        // scikit-learn's _init_coef: U(−b, b), b = √(factor/(fan_in + fan_out)), factor 2 for the logistic function.
        // U(−b, b) has variance b²/3; with 12,800 draws the sample variance is within 3% and the extremes within 1% of b.
        var network = new MlpNetwork([50, 256, 10], activation, 0.01f);
        network.Initialize(new Random(4));
        foreach (var layer in network.Layers)
        {
            double bound = Math.Sqrt(factor / (layer.Inputs + layer.Outputs));
            var w = layer.Weights((ReadOnlySpan<float>)network.Parameters).ToArray();
            Assert.True(w.Max(Math.Abs) <= bound, $"{layer.Inputs}→{layer.Outputs}: max |w| {w.Max(Math.Abs)} > {bound}");
            Assert.True(w.Max(Math.Abs) >= 0.99 * bound);
            Assert.Equal(bound * bound / 3, w.Average(v => (double)v * v), bound * bound / 3 * 0.03);
            Assert.All(layer.Biases((ReadOnlySpan<float>)network.Parameters).ToArray(), b => Assert.Equal(0f, b));
        }
    }

    /// <summary>One epoch at a learning rate of 1e-9 leaves the initial biases as they were, to Single precision.</summary>
    private static MlpOptions Untrained() => new() { HiddenLayerSizes = [4], NumberOfEpochs = 1, LearningRate = 1e-9, Seed = 3, ExampleWeightColumnName = "Weight" };

    [Fact]
    public void Fit_Binary_OutputBiasStartsAtTheLogOddsOfTheWeightedBaseRate()
    {
        var (x, _) = TestData.Linear(40, [1.0], 0, noise: 0, seed: 1);
        var y = Enumerable.Range(0, 40).Select(i => i % 4 == 0 ? 1f : 0f).ToArray();
        var w = Enumerable.Range(0, 40).Select(i => 1f + i % 3).ToArray();
        double p = y.Zip(w).Sum(t => t.First * t.Second) / w.Sum();
        var model = _ml.BinaryClassification.Trainers.Mlp(Untrained()).Fit(TestData.FromRows(_ml, x, y, w)).Model;
        Assert.Equal(Math.Log(p / (1 - p)), model.GetBiases(1)[0], 1e-5);
    }

    [Fact]
    public void Fit_Multiclass_OutputBiasesStartAtTheLogWeightedClassFrequencies()
    {
        var (x, _) = TestData.Linear(60, [1.0, 0.5], 0, noise: 0, seed: 2);
        var y = Enumerable.Range(0, 60).Select(i => (float)(i % 6 == 0 ? 0 : i % 6 < 3 ? 1 : 2)).ToArray();
        var w = Enumerable.Range(0, 60).Select(i => 0.5f + i % 2).ToArray();
        var data = TestData.FromRows(_ml, x, y, w);
        data = _ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data).Transform(data);
        var model = _ml.MulticlassClassification.Trainers.Mlp(Untrained()).Fit(data).Model;
        var biases = model.GetBiases(1);
        for (int k = 0; k < 3; k++)
        {
            double share = y.Zip(w).Where(t => t.First == k).Sum(t => t.Second) / w.Sum();
            Assert.Equal(Math.Log(share), biases[k], 1e-5);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fit_Regression_OutputBiasStartsAtTheWeightedLabelMean(bool standardize)
    {
        var (x, y) = TestData.Linear(50, [20.0, -10.0], 500, noise: 5, seed: 3);
        var w = Enumerable.Range(0, 50).Select(i => 1f + i % 4).ToArray();
        double mean = y.Zip(w).Sum(t => (double)t.First * t.Second) / w.Sum();
        var options = Untrained();
        options.StandardizeLabel = standardize;
        var model = _ml.Regression.Trainers.Mlp(options).Fit(TestData.FromRows(_ml, x, y, w)).Model;
        // Folded or not, the bias in the label's units is the mean (ulp(500) in Single ≈ 3e-5).
        Assert.Equal(mean, model.GetBiases(1)[0], 1e-4);
        Assert.Equal(standardize ? (float)mean : 0, model.LabelShift, 1e-4);
        Assert.Equal(standardize ? 16 : 1, model.LabelScale); // sd ≈ 22.9 → 2⁴ (log₂ 22.9 = 4.5 rounds to 4)
    }

    [Fact]
    public void Fit_DefaultRegression_LearnsLabelsInTheHundreds_WhichTheUnstandardisedLabelCannotIn200Epochs()
    {
        // The case: labels 100–800. Adam moves each weight by about η = 1e-3 a step, so in 200 epochs of 2
        // batches the raw output cannot climb to a mean of 450 (R² far below 0); on the standardised label it fits.
        var (x, y) = TestData.Linear(400, [100.0, -60.0, 40.0], 450, noise: 40, seed: 5);
        var data = TestData.FromRows(_ml, x, y);
        var (testX, testY) = TestData.Linear(400, [100.0, -60.0, 40.0], 450, noise: 40, seed: 6);
        var test = TestData.FromRows(_ml, testX, testY);
        double R2(MlpTrainer trainer) => _ml.Regression.Evaluate(trainer.Fit(data).Transform(test)).RSquared;
        double standardised = R2(_ml.Regression.Trainers.Mlp(seed: 0));
        double raw = R2(_ml.Regression.Trainers.Mlp(new MlpOptions { StandardizeLabel = false, Seed = 0 }));
        Assert.True(standardised > 0.85, $"default: R² {standardised}");
        Assert.True(raw < 0.5, $"raw label: R² {raw}");
    }
}
