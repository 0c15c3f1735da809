using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// Saved MLP pipelines load and score in a separate program (tests/MlNetExtensions.OnnxModelLoader) that references
/// Microsoft.ML, OnnxTransformer and OnnxRuntime but not MlNetExtensions.
/// </summary>
public class MlpStandaloneLoadTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Theory]
    [InlineData("regression", "diabetes.csv")]
    [InlineData("binary", "breast_cancer.csv")]
    [InlineData("multiclass", "iris.csv")]
    public void SavedPipeline_ScoresIdenticallyInAProgramWithoutThisLibrary(string task, string file)
    {
        var data = TestData.Load(_ml, file);
        var options = new MlpOptions { HiddenLayerSizes = [8, 4], NumberOfEpochs = 10, LearningRate = 0.01, Seed = 2 };
        IEstimator<ITransformer> pipeline = task switch
        {
            "regression" => _ml.Transforms.NormalizeMeanVariance("Features").Append(_ml.Regression.Trainers.Mlp(options)),
            "binary" => _ml.Transforms.NormalizeMeanVariance("Features").Append(_ml.BinaryClassification.Trainers.Mlp(options)),
            _ => _ml.Transforms.Conversion.MapValueToKey("Label").Append(_ml.Transforms.NormalizeMeanVariance("Features"))
                .Append(_ml.MulticlassClassification.Trainers.Mlp(options)),
        };
        var model = pipeline.Fit(data);
        var scored = model.Transform(data);
        var expected = Expected(task, scored);

        string folder = Directory.CreateTempSubdirectory("mlp-standalone-").FullName;
        try
        {
            string zip = Path.Combine(folder, "model.zip");
            _ml.Model.Save(model, data.Schema, zip);
            var lines = ModelLoaderProcess.Run("MlNetExtensions.OnnxModelLoader", zip, file).Skip(1).ToArray();
            Assert.Equal(expected.Length, lines.Length);
            for (int i = 0; i < lines.Length; i++)
            {
                var fields = lines[i].Split('\t');
                var numbers = fields[0].Split(',').Concat(task == "binary" ? [fields[1]] : []).Select(ModelLoaderProcess.FromBits).ToArray();
                for (int j = 0; j < numbers.Length; j++)
                    Assert.True(Math.Abs(numbers[j] - expected[i].Numbers[j]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i].Numbers[j])),
                        $"row {i}: expected {expected[i].Numbers[j]}, loader printed {numbers[j]}");
                if (task != "regression") Assert.Equal(expected[i].Label, fields[^1]);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (float[] Numbers, string Label)[] Expected(string task, IDataView scored) => task switch
    {
        "regression" => scored.GetColumn<float>("Score").Select(s => (new[] { s }, "")).ToArray(),
        "binary" => scored.GetColumn<float>("Score").Zip(scored.GetColumn<float>("Probability"), scored.GetColumn<bool>("PredictedLabel"))
            .Select(t => (new[] { t.First, t.Second }, t.Third ? "true" : "false")).ToArray(),
        _ => scored.GetColumn<VBuffer<float>>("Score").Zip(scored.GetColumn<uint>("PredictedLabel"))
            .Select(t => (t.First.DenseValues().ToArray(), t.Second.ToString(CultureInfo.InvariantCulture))).ToArray(),
    };
}
