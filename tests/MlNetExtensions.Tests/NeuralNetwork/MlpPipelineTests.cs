using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>The fitted MLP works with ML.NET's evaluators, cross-validation, PredictionEngine and PFI, for all three tasks.</summary>
public class MlpPipelineTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static MlpOptions Options(int epochs = 20) => new() { HiddenLayerSizes = [8], NumberOfEpochs = epochs, LearningRate = 0.01, Seed = 4 };

    [Fact]
    public void Regression_EvaluateCrossValidatePredictionEnginePfi()
    {
        var data = MlpData.Diabetes(_ml);
        var trainer = _ml.Regression.Trainers.Mlp(Options(50));
        var model = trainer.Fit(data);
        Assert.True(_ml.Regression.Evaluate(model.Transform(data)).RSquared > 0.3);

        var folds = _ml.Regression.CrossValidate(data, trainer, numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.RSquared > 0.2, $"fold R² {f.Metrics.RSquared}"));

        var engine = _ml.Model.CreatePredictionEngine<Row10, RegressionPrediction>(model);
        var first = data.GetColumn<VBuffer<float>>("Features").First().DenseValues().ToArray();
        float expected = model.Transform(data).GetColumn<float>("Score").First();
        Assert.Equal(expected, engine.Predict(new Row10 { Features = first }).Score, 5);

        var pfi = _ml.Regression.PermutationFeatureImportance(model, data, permutationCount: 1);
        Assert.Equal(10, pfi.Length);
        // Permuting some feature must hurt: bmi (2) or s5 (8), the strongest predictors of the diabetes data, most.
        var drops = pfi.Select(p => p.RootMeanSquaredError.Mean).ToArray();
        Assert.True(drops[2] > 0 && drops[8] > 0, $"RMSE increases: {string.Join(", ", drops)}");
    }

    [Fact]
    public void Binary_EvaluateCrossValidatePredictionEnginePfi()
    {
        var data = MlpData.BreastCancer(_ml);
        var trainer = _ml.BinaryClassification.Trainers.Mlp(Options(60));
        var model = trainer.Fit(data);
        var metrics = _ml.BinaryClassification.Evaluate(model.Transform(data));
        Assert.True(metrics.AreaUnderRocCurve > 0.98, $"AUC {metrics.AreaUnderRocCurve}");
        Assert.True(metrics.LogLoss < 0.3, $"log-loss {metrics.LogLoss}");

        var folds = _ml.BinaryClassification.CrossValidate(data, trainer, numberOfFolds: 3);
        Assert.True(folds.All(f => f.Metrics.Accuracy > 0.9), "fold accuracies " + string.Join(", ", folds.Select(f => f.Metrics.Accuracy)));

        var engine = _ml.Model.CreatePredictionEngine<Row30, BinaryPrediction>(model);
        var first = data.GetColumn<VBuffer<float>>("Features").First().DenseValues().ToArray();
        var prediction = engine.Predict(new Row30 { Features = first });
        var scored = model.Transform(data);
        Assert.Equal(scored.GetColumn<float>("Probability").First(), prediction.Probability, 5);
        Assert.Equal(scored.GetColumn<bool>("PredictedLabel").First(), prediction.PredictedLabel);

        var pfi = _ml.BinaryClassification.PermutationFeatureImportance(model, data, numberOfExamplesToUse: 200, permutationCount: 1);
        Assert.Equal(30, pfi.Length);
        Assert.Contains(pfi, p => p.AreaUnderRocCurve.Mean < 0);
    }

    [Fact]
    public void Multiclass_EvaluateCrossValidatePredictionEnginePfi()
    {
        var data = MlpData.Iris(_ml);
        var trainer = _ml.MulticlassClassification.Trainers.Mlp(Options(100));
        var model = trainer.Fit(data);
        var metrics = _ml.MulticlassClassification.Evaluate(model.Transform(data));
        Assert.True(metrics.MicroAccuracy > 0.9, $"accuracy {metrics.MicroAccuracy}");

        var folds = _ml.MulticlassClassification.CrossValidate(data, trainer, numberOfFolds: 3);
        Assert.All(folds, f => Assert.True(f.Metrics.MicroAccuracy > 0.8, $"fold accuracy {f.Metrics.MicroAccuracy}"));

        var engine = _ml.Model.CreatePredictionEngine<Row4, MulticlassPrediction>(model);
        var first = data.GetColumn<VBuffer<float>>("Features").First().DenseValues().ToArray();
        var prediction = engine.Predict(new Row4 { Features = first });
        var scored = model.Transform(data);
        Assert.Equal(scored.GetColumn<uint>("PredictedLabel").First(), prediction.PredictedLabel);
        Assert.Equal(1.0, prediction.Score.Sum(), 5);

        var pfi = _ml.MulticlassClassification.PermutationFeatureImportance(model, data, permutationCount: 1);
        Assert.Equal(4, pfi.Length);
        // Petal length and width (2, 3) carry iris.
        var drops = pfi.Select(p => p.MicroAccuracy.Mean).ToArray();
        Assert.Contains(Array.IndexOf(drops, drops.Min()), new[] { 2, 3 });
    }

    [Fact]
    public void Transform_FeatureWidthDiffersFromTraining_ThrowsAsMlNetsTransformersDo()
    {
        var model = _ml.Regression.Trainers.Mlp(Options(1)).Fit(MlpData.Diabetes(_ml));
        var other = TestData.FromRows(_ml, [[1f, 2f, 3f]], [1f]);
        // ML.NET's prediction transformers: InvalidOperationException from Transform, ArgumentOutOfRangeException from GetOutputSchema.
        var e = Assert.Throws<InvalidOperationException>(() => model.Transform(other));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("expected Vector<Single, 10>", e.Message);
        var schema = Assert.Throws<ArgumentOutOfRangeException>(() => model.GetOutputSchema(other.Schema));
        Assert.Equal("inputSchema", schema.ParamName);
        Assert.Throws<InvalidOperationException>(() => model.GetRowToRowMapper(other.Schema));
    }

    public sealed class Row10
    {
        [VectorType(10)] public float[] Features { get; set; } = [];
    }

    public sealed class Row30
    {
        [VectorType(30)] public float[] Features { get; set; } = [];
    }

    public sealed class Row4
    {
        [VectorType(4)] public float[] Features { get; set; } = [];
    }

    public sealed class RegressionPrediction
    {
        public float Score { get; set; }
    }

    public sealed class BinaryPrediction
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    public sealed class MulticlassPrediction
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }
}
