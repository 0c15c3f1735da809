using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// Saved MLP pipelines load and score in a separate program (tests/MlNetExtensions.ModelLoader) that references only
/// Microsoft.ML: no MlNetExtensions, no OnnxTransformer, no native code. Zips of version 0.1 (hidden layers as an ONNX
/// graph) still load where OnnxTransformer and OnnxRuntime are referenced (tests/MlNetExtensions.OnnxModelLoader).
/// </summary>
public class MlpStandaloneLoadTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Theory]
    [InlineData("regression", "diabetes.csv", false)]
    [InlineData("binary", "breast_cancer.csv", true)]
    [InlineData("multiclass", "iris.csv", false)]
    public void SavedPipeline_ScoresIdenticallyInAProgramWithoutThisLibrary(string task, string file, bool withExtensionsAndChecksum)
    {
        var data = TestData.Load(_ml, file);
        // A width-1 layer too: saved padded to 2 units, which the plain chain must score the same.
        var options = new MlpOptions { HiddenLayerSizes = task == "binary" ? [8, 1] : [8, 4], NumberOfEpochs = 10, LearningRate = 0.01, Seed = 2 };
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
            if (withExtensionsAndChecksum) _ml.Model.SaveWithChecksum(model, data.Schema, zip);
            else _ml.Model.Save(model, data.Schema, zip);
            var lines = ModelLoaderProcess.Run("MlNetExtensions.ModelLoader", zip, file).Skip(1).ToArray();
            Assert.Equal(expected.Length, lines.Length);
            for (int i = 0; i < lines.Length; i++)
            {
                var fields = lines[i].Split('\t');
                var numbers = fields[0].Split(',').Concat(task == "binary" ? [fields[1]] : []).Select(ModelLoaderProcess.FromBits).ToArray();
                for (int j = 0; j < numbers.Length; j++)
                    Assert.True(Math.Abs(numbers[j] - expected[i].Numbers[j]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i].Numbers[j])),
                        $"row {i}: expected {expected[i].Numbers[j]}, loader printed {numbers[j]}");
                if (task != "regression") Assert.Equal(expected[i].Label, fields[^1]);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Version01Zip_LoadsWhereOnnxTransformerIsReferenced()
    {
        // The 0.1 fixture's hidden layers are an ONNX graph in OnnxTransformer; a program with OnnxTransformer and OnnxRuntime
        // (and without this library) scores it exactly as it did when it was written.
        string zip = Path.Combine(AppContext.BaseDirectory, "Fixtures", "mlp-regression-v0.1.zip");
        var lines = ModelLoaderProcess.Run("MlNetExtensions.OnnxModelLoader", zip, "diabetes.test.csv").Skip(1).ToArray();
        Assert.Equal(File.ReadAllLines(zip + ".scores.txt"), lines);
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
