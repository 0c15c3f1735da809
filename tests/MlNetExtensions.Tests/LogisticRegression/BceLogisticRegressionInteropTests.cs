using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LogisticRegression;

/// <summary>The logistic model outside this library: a Microsoft.ML-only program, and ONNX export.</summary>
public class BceLogisticRegressionInteropTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void SavedModel_LoadsAndScoresBitIdentically_InAProgramWithoutThisLibrary()
    {
        var train = _ml.Transforms.NormalizeMeanVariance("Features", fixZero: false)
            .Append(_ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01));
        var model = train.Fit(TestData.Load(_ml, "breast_cancer.train.csv"));
        var test = TestData.Load(_ml, "breast_cancer.test.csv");
        string path = Path.Combine(Path.GetTempPath(), $"bce-{Guid.NewGuid():N}.zip");
        try
        {
            _ml.Model.Save(model, test.Schema, path);
            var lines = ModelLoaderProcess.Run("MlNetExtensions.ModelLoader", path, "breast_cancer.test.csv");
            Assert.Equal("Score\tProbability\tPredictedLabel", lines[0]);
            var scored = model.Transform(test);
            var expected = scored.GetColumn<float>("Score").Zip(scored.GetColumn<float>("Probability"), scored.GetColumn<bool>("PredictedLabel"))
                .Select(t => $"{BitConverter.SingleToInt32Bits(t.First):X8}\t{BitConverter.SingleToInt32Bits(t.Second):X8}\t{(t.Third ? "true" : "false")}")
                .ToArray();
            Assert.Equal(expected, lines.Skip(1).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ConvertToOnnx_ExportsTheCalibratedLinearModel()
    {
        var data = TestData.Load(_ml, "breast_cancer.train.csv");
        var model = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.1).Fit(data);
        using var stream = new MemoryStream();
        _ml.Model.ConvertToOnnx(model, data, stream);
        string text = System.Text.Encoding.ASCII.GetString(stream.ToArray());
        // ML.NET exports its calibrated linear model as a linear score, the Platt sigmoid and a threshold.
        Assert.Contains("LinearRegressor", text);
        Assert.Contains("Sigmoid", text);
        Assert.Contains("Probability", text);
    }
}
