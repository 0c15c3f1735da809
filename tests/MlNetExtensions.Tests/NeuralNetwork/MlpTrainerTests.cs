using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpTrainerTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void Fit_Regression_AddsSingleScoreAndLearnsDiabetes()
    {
        var data = MlpData.Diabetes(_ml);
        var model = _ml.Regression.Trainers.Mlp(new MlpOptions { HiddenLayerSizes = [16], LearningRate = 0.01, NumberOfEpochs = 100, Seed = 1 }).Fit(data);
        var scored = model.Transform(data);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Null(scored.Schema.GetColumnOrNull("Features_MlpHidden"));
        var metrics = _ml.Regression.Evaluate(scored);
        Assert.True(metrics.RSquared > 0.45, $"R² = {metrics.RSquared}");
    }

    [Fact]
    public void Fit_Binary_AddsScoreProbabilityPredictedLabel()
    {
        var data = MlpData.BreastCancer(_ml);
        var model = _ml.BinaryClassification.Trainers.Mlp(new MlpOptions { HiddenLayerSizes = [8], LearningRate = 0.01, NumberOfEpochs = 100, Seed = 1 }).Fit(data);
        var scored = model.Transform(data);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Probability"].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        var metrics = _ml.BinaryClassification.Evaluate(scored);
        Assert.True(metrics.Accuracy > 0.95, $"accuracy = {metrics.Accuracy}");
        // Probability = σ(Score), as for ML.NET's logistic regression.
        var scores = scored.GetColumn<float>("Score").ToArray();
        var probabilities = scored.GetColumn<float>("Probability").ToArray();
        for (int i = 0; i < scores.Length; i++)
            Assert.Equal(1 / (1 + Math.Exp(-scores[i])), probabilities[i], 5);
    }

    [Fact]
    public void Fit_Multiclass_ScoreIsKnownSizeAndPredictedLabelCarriesKeyValues()
    {
        var data = MlpData.Iris(_ml);
        var model = _ml.MulticlassClassification.Trainers.Mlp(new MlpOptions { HiddenLayerSizes = [8], LearningRate = 0.01, NumberOfEpochs = 100, Seed = 1 }).Fit(data);
        var scored = model.Transform(data);
        var score = Assert.IsType<VectorDataViewType>(scored.Schema["Score"].Type);
        Assert.Equal(3, score.Size);
        var predicted = Assert.IsType<KeyDataViewType>(scored.Schema["PredictedLabel"].Type);
        Assert.Equal(3UL, predicted.Count);
        // MapValueToKey over a Single label gives Single key values 0, 1, 2.
        var keyValues = default(VBuffer<float>);
        scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
        Assert.Equal([0f, 1f, 2f], keyValues.DenseValues());
        var back = _ml.Transforms.Conversion.MapKeyToValue("PredictedLabelValue", "PredictedLabel").Fit(scored).Transform(scored);
        Assert.Equal(3, back.GetColumn<float>("PredictedLabelValue").Distinct().Count());
        var metrics = _ml.MulticlassClassification.Evaluate(scored);
        Assert.True(metrics.MacroAccuracy > 0.9, $"accuracy = {metrics.MacroAccuracy}");
    }

    [Fact]
    public void Fit_Xor_LogisticFailsButTanhMlpSolvesForNineOfTenSeeds()
    {
        var xor = MlpData.Xor(_ml);
        var labels = xor.GetColumn<bool>("Label").ToArray();

        int Correct(MlpTrainer trainer)
        {
            var predicted = trainer.Fit(xor).Transform(xor).GetColumn<bool>("PredictedLabel").ToArray();
            return predicted.Zip(labels).Count(p => p.First == p.Second);
        }

        int solved = 0;
        for (int seed = 0; seed < 10; seed++)
        {
            var options = new MlpOptions { HiddenLayerSizes = [], NumberOfEpochs = 2000, LearningRate = 0.05, Seed = seed };
            Assert.True(Correct(_ml.BinaryClassification.Trainers.Mlp(options)) <= 3, "a linear model cannot separate XOR");
            options.HiddenLayerSizes = [4];
            options.Activation = MlpActivation.Tanh;
            if (Correct(_ml.BinaryClassification.Trainers.Mlp(options)) == 4) solved++;
        }
        Assert.True(solved >= 9, $"solved XOR for {solved} of 10 seeds");
    }
}
