using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpOnnxExportTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Theory]
    [InlineData(MlpTask.Regression, MlpActivation.Relu)]
    [InlineData(MlpTask.BinaryClassification, MlpActivation.LeakyRelu)]
    [InlineData(MlpTask.MulticlassClassification, MlpActivation.Tanh)]
    [InlineData(MlpTask.MulticlassClassification, MlpActivation.Sigmoid)]
    [InlineData(MlpTask.Regression, MlpActivation.Identity)]
    public void ExportToOnnx_OnnxRuntimeReproducesTheScores(MlpTask task, MlpActivation activation)
    {
        var options = new MlpOptions { HiddenLayerSizes = [5, 3], Activation = activation, LeakyReluSlope = 0.2, NumberOfEpochs = 5, LearningRate = 0.01, Seed = 1 };
        var (data, trainer) = task switch
        {
            MlpTask.Regression => (MlpData.Diabetes(_ml), _ml.Regression.Trainers.Mlp(options)),
            MlpTask.BinaryClassification => (MlpData.BreastCancer(_ml), _ml.BinaryClassification.Trainers.Mlp(options)),
            _ => (MlpData.Iris(_ml), _ml.MulticlassClassification.Trainers.Mlp(options)),
        };
        var model = trainer.Fit(data);
        var scored = model.Transform(data);
        var features = data.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToArray();
        int n = features.Length, d = features[0].Length;

        using var stream = new MemoryStream();
        model.ExportToOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        var input = new DenseTensor<float>(features.SelectMany(f => f).ToArray(), [n, d]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", input)]);
        var onnxScore = results.Single(r => r.Name == "Score").AsTensor<float>().ToArray();

        float[] expected = task == MlpTask.MulticlassClassification
            ? scored.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).ToArray()
            : scored.GetColumn<float>("Score").ToArray();
        Assert.Equal(expected.Length, onnxScore.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - onnxScore[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{i}: {expected[i]} vs {onnxScore[i]}");
        if (task == MlpTask.BinaryClassification)
        {
            var probability = results.Single(r => r.Name == "Probability").AsTensor<float>().ToArray();
            var mlProbability = scored.GetColumn<float>("Probability").ToArray();
            for (int i = 0; i < n; i++) Assert.Equal(mlProbability[i], probability[i], 1e-6);
        }
    }
}
