using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// Issue 12 §3: a whole fitted pipeline with an MLP (ML.NET's transforms before and after it) as one ONNX model, checked
/// against ML.NET's own scores through ONNX Runtime.
/// </summary>
public class MlpPipelineOnnxTests
{
    private readonly MLContext _ml = new(seed: 1);

    private (IDataView Data, ITransformer Model) Fit(string task)
    {
        var options = new MlpOptions { HiddenLayerSizes = [6, 3], Activation = MlpActivation.Tanh, NumberOfEpochs = 10, LearningRate = 0.01, Seed = 2 };
        var normalize = _ml.Transforms.NormalizeMeanVariance("Features");
        switch (task)
        {
            case "regression":
                {
                    var data = TestData.Load(_ml, "diabetes.csv");
                    return (data, normalize.Append(_ml.Regression.Trainers.Mlp(options)).Fit(data));
                }
            case "binary":
                {
                    var data = TestData.Load(_ml, "breast_cancer.csv");
                    return (data, normalize.Append(_ml.BinaryClassification.Trainers.Mlp(options)).Fit(data));
                }
            default:
                {
                    var data = TestData.Load(_ml, "iris.csv");
                    return (data, _ml.Transforms.Conversion.MapValueToKey("Label").Append(normalize)
                        .Append(_ml.MulticlassClassification.Trainers.Mlp(options))
                        .Append(_ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel")).Fit(data));
                }
        }
    }

    [Theory]
    [InlineData("regression", false)]
    [InlineData("binary", false)]
    [InlineData("binary", true)]
    [InlineData("multiclass", false)]
    [InlineData("multiclass", true)]
    public void ConvertToOnnxWithExtensions_OnnxRuntimeReproducesMlNetsScores(string task, bool reloaded)
    {
        var (data, model) = Fit(task);
        if (reloaded)
        {
            using var zip = new MemoryStream();
            _ml.Model.Save(model, data.Schema, zip);
            model = new MLContext().Model.LoadWithExtensions(new MemoryStream(zip.ToArray()), out _);
        }
        using var onnx = new MemoryStream();
        _ml.Model.ConvertToOnnxWithExtensions(model, data, onnx);

        var features = data.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        var labels = data.GetColumn<float>("Label").ToArray();
        int n = features.Length, d = features[0].Length;
        using var session = new InferenceSession(onnx.ToArray());
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(features.SelectMany(f => f).ToArray(), [n, d])),
            NamedOnnxValue.CreateFromTensor("Label", new DenseTensor<float>(labels, [n, 1])),
        ]);
        float[] Output(string name) => results.Single(r => r.Name == name).AsTensor<float>().ToArray();

        var scored = model.Transform(data);
        if (task == "multiclass")
        {
            AssertClose(scored.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray(), Output("Score.output"));
            Assert.Equal(scored.GetColumn<uint>("PredictedLabel"), results.Single(r => r.Name == "PredictedLabel.output").AsTensor<uint>().ToArray());
            Assert.Equal(scored.GetColumn<float>("PredictedClass"), Output("PredictedClass.output"));
        }
        else
        {
            AssertClose(scored.GetColumn<float>("Score").ToArray(), Output("Score.output"));
            if (task == "binary")
            {
                AssertClose(scored.GetColumn<float>("Probability").ToArray(), Output("Probability.output"));
                Assert.Equal(scored.GetColumn<bool>("PredictedLabel"), results.Single(r => r.Name == "PredictedLabel.output").AsTensor<bool>().ToArray());
            }
        }
        // ML.NET's transforms are in the same graph: the normalised features come out as ML.NET computes them.
        AssertClose(scored.GetColumn<VBuffer<float>>("Features").SelectMany(v => v.DenseValues()).ToArray(), Output("Features.output"));
    }

    [Fact]
    public void PlainConvertToOnnx_CutsThePipelineAtTheMlp_WhichIsWhyTheExtensionExists()
    {
        // ML.NET's converter walks back through ML.NET's own data views only: it takes the MLP's output for the data, so
        // its graph wants Score as an input and holds neither the normalizer nor the network.
        var (data, model) = Fit("regression");
        using var onnx = new MemoryStream();
        _ml.Model.ConvertToOnnx(model, data, onnx);
        using var session = new InferenceSession(onnx.ToArray());
        Assert.Contains("Score", session.InputMetadata.Keys);
        using var whole = new MemoryStream();
        _ml.Model.ConvertToOnnxWithExtensions(model, data, whole);
        using var wholeSession = new InferenceSession(whole.ToArray());
        Assert.DoesNotContain("Score", wholeSession.InputMetadata.Keys);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{i}: ML.NET {expected[i]}, ONNX {actual[i]}");
    }
}
