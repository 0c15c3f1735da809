using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpTextLabelTests
{
    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    public sealed class IrisRow
    {
        [VectorType(4)] public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }

    [Fact]
    public void Fit_TextLabelMappedToKey_PredictedLabelMapsBackToTheClassNames_AlsoAfterReload()
    {
        var ml = new MLContext(seed: 1);
        var (x, y) = TestData.ReadMatrix("iris.csv");
        var rows = Enumerable.Range(0, y.Length)
            .Select(i => new IrisRow { Features = Enumerable.Range(0, 4).Select(j => (float)x[i, j]).ToArray(), Label = Species[(int)y[i]] })
            .ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.MulticlassClassification.Trainers.Mlp(new MlpOptions { HiddenLayerSizes = [8], NumberOfEpochs = 60, LearningRate = 0.02, BatchSize = 16, Seed = 1 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedSpecies", "PredictedLabel"));
        var model = pipeline.Fit(data);
        var predicted = model.Transform(data).GetColumn<ReadOnlyMemory<char>>("PredictedSpecies").Select(v => v.ToString()).ToArray();
        Assert.True(predicted.Zip(rows).Count(p => p.First == p.Second.Label) > 135, "most iris flowers are recognised by name");

        var mlp = model.OfType<MlpPredictionTransformer>().Single();
        Assert.Equal(Species, mlp.Model.ClassNames);

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        try
        {
            var again = loaded.Transform(data).GetColumn<ReadOnlyMemory<char>>("PredictedSpecies").Select(v => v.ToString()).ToArray();
            Assert.Equal(predicted, again);
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }
}
