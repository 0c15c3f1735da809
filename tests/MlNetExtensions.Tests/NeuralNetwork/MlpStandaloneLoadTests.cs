using System.Diagnostics;
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
            var lines = RunLoader(zip, TestData.PathOf(file));
            Assert.Equal(expected.Length, lines.Length);
            for (int i = 0; i < lines.Length; i++)
            {
                var fields = lines[i].Split(';');
                var numbers = fields[0].Split(' ').Concat(task == "binary" ? [fields[1]] : []).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
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
            .Select(t => (new[] { t.First, t.Second }, t.Third ? "True" : "False")).ToArray(),
        _ => scored.GetColumn<VBuffer<float>>("Score").Zip(scored.GetColumn<uint>("PredictedLabel"))
            .Select(t => (t.First.DenseValues().ToArray(), t.Second.ToString(CultureInfo.InvariantCulture))).ToArray(),
    };

    private static string[] RunLoader(string zip, string csv)
    {
        // The loader is built next to this test project (same configuration) through a non-referencing ProjectReference.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string loader = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..",
            "MlNetExtensions.OnnxModelLoader", "bin", configuration, "net10.0", "MlNetExtensions.OnnxModelLoader.dll"));
        Assert.True(File.Exists(loader), $"Build the loader first: {loader} not found.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(loader);
        start.ArgumentList.Add(zip);
        start.ArgumentList.Add(csv);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the loader did not finish within a minute");
        Assert.True(process.ExitCode == 0, $"loader exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
